"""``dl2lab caption features``: image features from a pretrained CNN."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``features`` to the ``caption`` group."""
    parser = subparsers.add_parser(
        "features",
        help="pretrained CNN features of images (cached)",
        description=(
            "Compute one feature vector per image with a pretrained CNN and "
            "write them, with the list of images they belong to, to one .npz "
            "file (keys: features, paths, backbone, identity, skipped_paths, "
            "skipped_reasons). Folders are searched recursively for images "
            "(JPEG, PNG, GIF, WebP, BMP, TIFF, SVG...). Features are cached by "
            "file content, so a second run over the same images is instant "
            "and an interrupted run resumes."
        ),
    )
    parser.add_argument("inputs", nargs="+", metavar="IMAGE_OR_DIR")
    parser.add_argument(
        "--backbone",
        choices=("efficientnet-lite0", "resnet50"),
        default="efficientnet-lite0",
        help="efficientnet-lite0 (1280-d, ImageNet weights shipped; default) or "
        "resnet50 (2048-d; random weights unless --weights)",
    )
    parser.add_argument(
        "--weights", metavar="PATH", help="local weights file for the backbone"
    )
    parser.add_argument("--out", required=True, metavar="FILE.npz")
    parser.add_argument(
        "--on-error",
        choices=("skip", "fail"),
        default="fail",
        help="unreadable image: stop (fail, default) or leave it out and report "
        "it (skip)",
    )
    parser.add_argument("--batch-size", type=int, default=32, help="default 32")
    parser.add_argument(
        "--fit",
        choices=("crop", "pad", "stretch"),
        default="crop",
        help="bring images to 224x224 by centre crop (default), white padding, or "
        "stretching",
    )
    parser.add_argument(
        "--max-pixels",
        type=int,
        default=None,
        help="refuse images with more pixels than this (default 89,478,485)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the cache"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``dl2lab caption features``."""
    from dl2lab.errors import Dl2labError
    from dl2lab.vision.features import extract_features, save_features
    from dl2lab.vision.images import DEFAULT_MAX_PIXELS, list_images

    if not str(args.out).endswith(".npz"):
        raise Dl2labError(f"`--out` must name a .npz file; got {args.out!r}")
    paths = list_images(args.inputs)
    if not paths:
        raise Dl2labError(
            f"no image files found in {', '.join(map(repr, args.inputs))}"
        )
    result = extract_features(
        paths,
        backbone=args.backbone,
        weights=args.weights,
        batch_size=args.batch_size,
        on_error=args.on_error,
        cache=not args.no_cache,
        max_pixels=args.max_pixels or DEFAULT_MAX_PIXELS,
        fit=args.fit,
    )
    for _, reason in result.skipped:
        print(f"skipped: {reason}")
    if not result.paths:
        raise Dl2labError(
            f"none of the {len(paths)} images could be read; nothing written"
        )
    save_features(args.out, result)
    print(
        f"wrote {args.out}: {len(result.paths)} images x {result.features.shape[1]} "
        f"features ({result.backbone}; {result.n_computed} computed, "
        f"{result.n_cached} from the cache, {len(result.skipped)} skipped)"
    )
    return 0
