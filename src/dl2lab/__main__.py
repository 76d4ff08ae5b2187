from dl2lab.cli import main

raise SystemExit(main())
