"""Exercise 1: general statements about training, decided by experiments.

1.1 and 1.2 run on the exam's own linear problem (Exercise 2) with
dl2lab's numpy optimizers; the others train dl2lab's topic models on the
real labelled tweets.
"""

from __future__ import annotations

import numpy as np

from dl2lab.answers import figures
from dl2lab.answers.core import Context, Outcome, check
from dl2lab.answers.tasks import fit_classifier, tweet_task
from dl2lab.errors import Dl2labError
from dl2lab.optim import SGD, exam_problem, minimize


@check("1.1", kind="experiment")
def bad_optimisation_underfits(ctx: Context) -> Outcome:
    """Train the exam's linear model for a fixed budget at several learning rates."""
    problem = exam_problem()
    design = np.c_[problem.X, np.ones(len(problem.y))]
    solution, *_ = np.linalg.lstsq(design, problem.y, rcond=None)
    best = problem.loss([solution[:-1], solution[-1:]])
    steps = 100
    finals = {}
    for lr in (0.001, 0.01, 0.1, 1.0, 1.5):
        try:
            result = minimize(
                problem.loss, problem.grads, problem.init_params(), SGD(lr), steps
            )
            finals[lr] = result.losses[-1]
        except Dl2labError:
            finals[lr] = float("inf")
    evidence = {"best possible training loss (least squares)": best}
    evidence.update(
        {f"training loss after {steps} steps, lr={lr}": v for lr, v in finals.items()}
    )
    too_small = finals[0.001] / best
    verdict = "True" if too_small > 10 and finals[0.1] < 1.5 * best else "False"
    fig, ax = figures.new_figure()
    lrs = list(finals)
    ax.bar([str(lr) for lr in lrs], [min(finals[lr], 1e3) for lr in lrs])
    ax.axhline(best, color="k", linestyle="--", label="least-squares optimum")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate (diverged runs clipped at 1e3)")
    ax.set_ylabel(f"training loss after {steps} GD steps")
    ax.legend()
    return Outcome(
        verdict=verdict,
        evidence=evidence,
        reasoning=(
            f"With the same model and budget, a learning rate of 0.001 leaves the "
            f"training loss {too_small:.0f}x above the optimum the model can reach, "
            "while 0.1 reaches it: the model underfits because of the optimiser "
            "settings alone. Too large a rate (1.5) diverges, which is worse still."
        ),
        figure=figures.save(fig, ctx.figure_path("1.1")),
    )


@check("1.2", kind="experiment")
def smaller_batches_are_noisier(ctx: Context) -> Outcome:
    """Measure the spread of minibatch gradients around the full gradient."""
    problem = exam_problem()
    rng = np.random.default_rng(ctx.seed)
    params = problem.init_params()
    full = np.concatenate(problem.grads(params))
    n = len(problem.y)
    draws = 200 if ctx.quick else 2000
    noise = {}
    for batch_size in (1, 2, 4, 8, 16, 32, 64):
        sq = []
        for _ in range(draws):
            idx = rng.choice(n, size=batch_size, replace=False)
            sub = type(problem)(X=problem.X[idx], y=problem.y[idx])
            sq.append(np.sum((np.concatenate(sub.grads(params)) - full) ** 2))
        noise[batch_size] = float(np.mean(sq))
    ratio = noise[1] / noise[64]
    fig, ax = figures.new_figure()
    sizes = np.array(list(noise))
    ax.loglog(sizes, list(noise.values()), "o-", label="measured")
    ax.loglog(sizes, noise[1] / sizes * (n - sizes) / (n - 1), "--", label="theory")
    ax.set_xlabel("minibatch size")
    ax.set_ylabel("E ||g_batch - g_full||^2")
    ax.legend()
    return Outcome(
        verdict="False" if ratio > 10 else "True",
        evidence={
            **{f"gradient noise, batch {b}": v for b, v in noise.items()},
            "noise ratio batch 1 / batch 64": ratio,
        },
        reasoning=(
            "A minibatch gradient is an average of per-sample gradients, so its "
            "variance shrinks roughly as 1/batch size (times a finite-population "
            f"factor). On the exam's problem the noise at batch 1 is {ratio:.0f}x "
            "the noise at batch 64: decreasing the batch size increases the noise."
        ),
        figure=figures.save(fig, ctx.figure_path("1.2")),
    )


def _subset(task, n: int, seed: int):
    """The first ``n`` training tweets after a seeded shuffle (a small set
    overfits quickly)."""
    from dl2lab.answers.tasks import TextTask

    order = np.random.default_rng(seed).permutation(len(task.x_train))[:n]
    return TextTask(
        task.x_train[order], task.y_train[order], task.x_val, task.y_val,
        task.vocab_size, task.max_len, task.label_names, [], [],
    )  # fmt: skip


@check("1.3", kind="experiment")
def doubling_filters(ctx: Context) -> Outcome:
    """Train model 3 (CNN) with f and 2f filters on a small set; compare gaps."""
    from dl2lab.topics.models import build_model

    task = _subset(tweet_task(ctx), 400, ctx.seed)
    filters = (32, 64) if ctx.quick else (64, 128)
    seeds = (0, 1) if ctx.quick else (0, 1, 2)
    epochs = 15 if ctx.quick else 25
    gaps, curves = {}, {}
    for f in filters:
        runs = []
        for seed in seeds:
            model = build_model(
                "cnn", task.vocab_size, task.max_len, len(task.label_names),
                filters=f, dropout=0.0,
            )  # fmt: skip
            history = fit_classifier(model, task, epochs, learning_rate=1e-3, seed=seed)
            runs.append(history["val_loss"][-1] - history["loss"][-1])
            curves.setdefault(f, history)
        gaps[f] = float(np.mean(runs))
    ratio = gaps[filters[1]] / gaps[filters[0]]
    fig, ax = figures.new_figure()
    for f, history in curves.items():
        ax.plot(history["loss"], label=f"{f} filters, train")
        ax.plot(history["val_loss"], "--", label=f"{f} filters, held-out")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.legend()
    return Outcome(
        verdict="False" if ratio < 1.5 else "True",
        evidence={
            "training tweets": len(task.x_train),
            **{
                f"generalisation gap (val - train loss), {f} filters": g
                for f, g in gaps.items()
            },  # fmt: skip
            "gap ratio, doubled / base": ratio,
            "seeds averaged": len(seeds),
        },
        reasoning=(
            f"Model 3 trained on {len(task.x_train)} real tweets overfits with "
            f"{filters[0]} filters per layer; doubling them multiplies the "
            f"held-out/training loss gap by {ratio:.2f}, not by 2. Once a network "
            "can memorise its training set, more capacity changes the gap little, "
            "and nothing makes overfitting scale with the filter count."
        ),
        figure=figures.save(fig, ctx.figure_path("1.3")),
    )


@check("1.4", kind="experiment")
def learning_rate_and_batch_size(ctx: Context) -> Outcome:
    """Grid of learning rate x batch size for model 1 on real tweets."""
    from dl2lab.answers.tasks import macro_f1
    from dl2lab.topics.models import build_model

    task = tweet_task(ctx)
    rates = (1e-3, 3e-2) if ctx.quick else (3e-4, 3e-3, 3e-2, 3e-1)
    batches = (8, 256)
    epochs = 6 if ctx.quick else 12
    n_classes = len(task.label_names)

    def run(lr, batch_size, seed):
        model = build_model("average", task.vocab_size, task.max_len, n_classes)
        fit_classifier(model, task, epochs, learning_rate=lr, batch_size=batch_size,
                       seed=seed)  # fmt: skip
        return macro_f1(model, task)

    grid = {(lr, b): run(lr, b, ctx.seed) for lr in rates for b in batches}
    best = max(grid, key=grid.get)
    repeats = [grid[best]] + [run(*best, seed) for seed in (ctx.seed + 1, ctx.seed + 2)]
    seed_spread = float(np.std(repeats))
    spread = max(grid.values()) - min(grid.values())
    fig, ax = figures.new_figure()
    for b in batches:
        ax.plot(rates, [grid[(lr, b)] for lr in rates], "o-", label=f"batch {b}")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (Adam)")
    ax.set_ylabel(f"held-out macro-F1 after {epochs} epochs")
    ax.legend()
    return Outcome(
        verdict="True" if spread > max(0.05, 3 * seed_spread) else "False",
        evidence={
            **{f"macro-F1, lr={lr:g}, batch {b}": v for (lr, b), v in grid.items()},
            "spread across settings": spread,
            "spread across 3 seeds at the best setting (std)": seed_spread,
        },
        reasoning=(
            "The same model, data and number of epochs reach held-out macro-F1 "
            f"from {min(grid.values()):.3f} to {max(grid.values()):.3f} depending "
            f"only on learning rate and batch size, far beyond the {seed_spread:.3f} "
            "that a change of seed causes. Both set how far and how noisily the "
            "optimiser moves, and so which solution it ends in."
        ),
        figure=figures.save(fig, ctx.figure_path("1.4")),
    )


@check("1.5", kind="experiment")
def lower_learning_rate_and_overfitting(ctx: Context) -> Outcome:
    """Train an overfitting model 1 at two learning rates, each to convergence."""
    from dl2lab.topics.models import build_model

    task = _subset(tweet_task(ctx), 400, ctx.seed)
    base_epochs = 15 if ctx.quick else 30
    # Ten times lower rate, ten times the epochs: both runs travel as far.
    plans = {1e-2: base_epochs, 1e-3: 10 * base_epochs}
    results, curves = {}, {}
    for lr, epochs in plans.items():
        model = build_model(
            "average", task.vocab_size, task.max_len, len(task.label_names)
        )
        history = fit_classifier(
            model, task, epochs, learning_rate=lr, batch_size=32, seed=ctx.seed
        )
        curves[lr] = history
        results[lr] = {
            "epochs": epochs,
            "best held-out accuracy": float(max(history["val_accuracy"])),
            "final held-out accuracy": float(history["val_accuracy"][-1]),
            "final gap (val - train loss)": float(
                history["val_loss"][-1] - history["loss"][-1]
            ),
            "final training accuracy": float(history["accuracy"][-1]),
        }
    low, high = results[1e-3], results[1e-2]
    gain = low["best held-out accuracy"] - high["best held-out accuracy"]
    fig, ax = figures.new_figure()
    for lr, history in curves.items():
        steps = np.linspace(0, 1, len(history["loss"]))
        ax.plot(steps, history["loss"], label=f"lr {lr:g}, train")
        ax.plot(steps, history["val_loss"], "--", label=f"lr {lr:g}, held-out")
    ax.set_xlabel("fraction of the run (lr 1e-3 runs 10x the epochs)")
    ax.set_ylabel("cross-entropy")
    ax.legend()
    fitted = low["final training accuracy"] >= 0.9
    first = (
        "With a ten times lower learning rate and ten times the epochs the model "
        + ("again memorises" if fitted else "does not yet fit")
        + f" its 400 training tweets (training accuracy "
        f"{low['final training accuracy']:.2f} against "
        f"{high['final training accuracy']:.2f}), and its best held-out accuracy "
        f"changes by {gain:+.3f}."
    )
    return Outcome(
        verdict="True" if gain > 0.02 else "False",
        evidence={
            f"{name}, lr={lr:g}": value
            for lr, row in results.items()
            for name, value in row.items()
        }
        | {"gain in best held-out accuracy from the lower rate": gain},
        reasoning=(
            first + " A smaller rate changes how fast the optimiser moves, not "
            "where it is heading; against overfitting one needs more data, "
            "regularisation or early stopping."
        ),
        figure=figures.save(fig, ctx.figure_path("1.5")),
    )


def _bag_of_words(task, width: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    def encode(x):
        out = np.zeros((len(x), width), np.float32)
        rows, cols = np.nonzero((x > 1) & (x < width))
        out[rows, x[rows, cols]] = 1.0
        return out

    return encode(task.x_train), encode(task.x_val)


@check("1.6", kind="experiment")
def normalisation_and_underfitting(ctx: Context) -> Outcome:
    """A deep sigmoid network on bags of words, with and without BatchNorm."""
    import keras
    from keras import layers

    task = tweet_task(ctx)
    x_train, x_val = _bag_of_words(task)
    depth, epochs = (8, 8) if ctx.quick else (10, 15)
    curves = {}
    for norm in (False, True):
        keras.utils.set_random_seed(ctx.seed)
        inputs = keras.Input(shape=(x_train.shape[1],))
        x = inputs
        for _ in range(depth):
            x = layers.Dense(64, use_bias=not norm)(x)
            if norm:
                x = layers.BatchNormalization()(x)
            x = layers.Activation("sigmoid")(x)
        probs = layers.Dense(len(task.label_names), activation="softmax")(x)
        model = keras.Model(inputs, probs)
        model.compile(
            optimizer=keras.optimizers.SGD(0.1),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        history = model.fit(
            x_train, task.y_train, validation_data=(x_val, task.y_val),
            epochs=epochs, batch_size=32, verbose=0,
        )  # fmt: skip
        curves["with BatchNorm" if norm else "without"] = history.history
    prior = np.bincount(task.y_train) / len(task.y_train)
    entropy = float(-(prior * np.log(prior)).sum())
    plain = curves["without"]["loss"][-1]
    normed = curves["with BatchNorm"]["loss"][-1]
    fig, ax = figures.new_figure()
    for name, history in curves.items():
        ax.plot(history["loss"], label=f"{name} (train)")
    ax.axhline(entropy, color="k", linestyle=":", label="predicting class shares")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training cross-entropy")
    ax.legend()
    return Outcome(
        verdict="True" if normed < 0.7 * plain and plain > 0.9 * entropy else "False",
        evidence={
            "hidden layers (64 sigmoid units each)": depth,
            "training loss of always predicting the class shares": entropy,
            "final training loss, without normalisation": plain,
            "final training loss, with BatchNorm": normed,
            "final training accuracy, without": curves["without"]["accuracy"][-1],
            "final training accuracy, with BatchNorm": curves["with BatchNorm"][
                "accuracy"
            ][-1],  # fmt: skip
        },
        reasoning=(
            f"A {depth}-layer sigmoid network on bags of words of real tweets, "
            "trained by plain SGD, cannot even fit its training set: its loss "
            f"stays at {plain:.3f}, the loss of predicting class shares "
            f"({entropy:.3f}), because gradients vanish through the saturating "
            f"layers. With BatchNorm after each layer the same network reaches "
            f"{normed:.3f}: normalisation cures this kind of underfitting."
        ),
        figure=figures.save(fig, ctx.figure_path("1.6")),
    )


@check("1.7", kind="experiment")
def random_labels(ctx: Context) -> Outcome:
    """Fit model 1 to random labels on real tweets."""
    from dl2lab.topics.models import build_model

    task = _subset(tweet_task(ctx), 500, ctx.seed)
    rng = np.random.default_rng(ctx.seed)
    n_classes = len(task.label_names)
    noise = rng.integers(0, n_classes, size=len(task.y_train)).astype(np.int32)
    epochs = 60 if ctx.quick else 150
    model = build_model("average", task.vocab_size, task.max_len, n_classes)
    params = int(model.count_params())
    history = fit_classifier(
        model, task, epochs, learning_rate=1e-2, batch_size=32, seed=ctx.seed,
        y_train=noise,
    )  # fmt: skip
    train_acc = float(history["accuracy"][-1])
    chance = float(np.max(np.bincount(noise, minlength=n_classes)) / len(noise))
    fig, ax = figures.new_figure()
    ax.plot(history["accuracy"], label="training accuracy on random labels")
    ax.axhline(chance, color="k", linestyle=":", label="largest random class")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.legend()
    return Outcome(
        verdict="True" if train_acc >= 0.95 else "False",
        evidence={
            "training tweets": len(noise),
            "trainable parameters of model 1": params,
            "parameters per training example": params / len(noise),
            "training accuracy on random labels": train_acc,
            "largest random class share": chance,
        },
        reasoning=(
            f"Model 1 has {params:,} parameters for {len(noise)} tweets; given labels "
            f"drawn at random it still reaches {train_acc:.1%} training accuracy, "
            "memorising noise that carries no signal (the experiment of Zhang et al., "
            "2017, on a text model). Typical networks do have that capacity; that "
            "they generalise anyway comes from the data and the training, not from "
            "a lack of parameters."
        ),
        figure=figures.save(fig, ctx.figure_path("1.7")),
    )
