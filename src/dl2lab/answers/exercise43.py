"""Exercise 4.3: training with teacher forcing, and decoding at test time."""

from __future__ import annotations

import numpy as np

from dl2lab.answers import figures
from dl2lab.answers.captioners import (
    caption_data,
    first_input_gradient_norms,
    teacher_forced,
    trained,
    unigram_loss,
)
from dl2lab.answers.core import Context, Outcome, check
from dl2lab.answers.exercise42 import EXAM_MAX_LEN, format_pair


@check("4.3.1", kind="experiment")
def no_teacher_forcing_at_test_time(ctx: Context) -> Outcome:
    """Compare teacher-forced accuracy on test drawings with greedy decoding."""
    from dl2lab.caption.decode import greedy_decode
    from dl2lab.caption.teacher import EOS_ID, PAD_ID, teacher_forcing

    data = caption_data(ctx)
    model = trained(ctx, "simple").model
    features, token_ids = data.pairs["test"]
    _, forced, probs = teacher_forced(model, features, token_ids)

    # Free running: the caption the model writes from the image alone,
    # compared word by word with each reference (its <eos> included).
    _, targets = teacher_forcing(token_ids)
    decoded = greedy_decode(model, features)
    written = np.zeros_like(targets)
    for i, caption in enumerate(decoded):
        ids = [*caption.token_ids, EOS_ID][: targets.shape[1]]
        written[i, : len(ids)] = ids
    mask = targets != PAD_ID
    free = float(((written == targets) & mask).sum() / mask.sum())

    # Fed another drawing's caption, the model follows that caption.
    rng = np.random.default_rng(ctx.seed)
    other = token_ids[rng.permutation(len(token_ids))]
    _, _, probs_other = teacher_forced(model, features, other)
    _, other_targets = teacher_forcing(other)
    other_mask = other_targets != PAD_ID
    follows = float(
        ((probs_other.argmax(-1) == other_targets) & other_mask).sum()
        / other_mask.sum()
    )
    gap = forced - free
    # The longest reference without unknown words, as an illustration.
    known = mask.sum(1) * ~(token_ids == 1).any(1)
    example = int(np.argmax(known))
    guesses = [
        data.vocab.id_to_token(i) for i in probs[example].argmax(-1)[mask[example]]
    ]
    return Outcome(
        verdict="False" if gap > 0.05 else "depends",
        condition=None
        if gap > 0.05
        else "teacher forcing adds little here; it still needs the reference",
        evidence={
            "test pairs (unseen emoji, caption)": len(token_ids),
            "word accuracy, teacher forcing (reference fed in)": forced,
            "word accuracy, greedy decoding (image only)": free,
            "leak: teacher forcing minus greedy": gap,
            "accuracy against a wrong caption fed in (model follows it)": follows,
            "example reference": data.vocab.decode(token_ids[example]),
            "example, teacher-forced next-word guesses": " ".join(guesses),
            "example, greedy caption": data.vocab.decode(decoded[example].token_ids),
        },
        reasoning=(
            "Teacher forcing feeds the reference caption, shifted, as the decoder's "
            "input; at test time that caption is what we want to produce, so it "
            "does not exist. Doing it anyway on unseen emoji scores "
            f"{forced:.0%} of next words right against {free:.0%} for captions the "
            f"model writes itself: the extra {gap:.0%} is read from the answer, and "
            f"fed a wrong caption the model follows it ({follows:.0%} of its "
            "words). At test time the decoder must feed back its own words."
        ),
    )


@check("4.3.2", kind="experiment")
def language_without_the_image(ctx: Context) -> Outcome:
    """Train the decoder without images: how much is language structure alone?"""
    data = caption_data(ctx)
    features, token_ids = data.pairs["test"]
    rng = np.random.default_rng(ctx.seed)
    shuffled = features[rng.permutation(len(features))]
    seeing, blind = trained(ctx, "simple"), trained(ctx, "blind")
    uniform = float(np.log(len(data.vocab)))
    unigram = unigram_loss(data.pairs["train"][1], token_ids, len(data.vocab))
    real, real_acc, _ = teacher_forced(seeing.model, features, token_ids)
    wrong, _, _ = teacher_forced(seeing.model, shuffled, token_ids)
    alone, alone_acc, _ = teacher_forced(
        blind.model, np.zeros_like(features), token_ids
    )
    share = (unigram - alone) / max(unigram - real, 1e-9)
    drops = {
        name: run.history["loss"][0] - run.history["loss"][-1]
        for name, run in (("blind", blind), ("seeing", seeing))
    }

    fig, ax = figures.new_figure()
    names = [
        "uniform",
        "word frequencies",
        "decoder trained\nwithout images",
        "decoder",
        "decoder, test images\nshuffled",
    ]
    values = [uniform, unigram, alone, real, wrong]
    ax.bar(names, values, color=["0.7", "0.7", "tab:orange", "tab:blue", "tab:red"])
    ax.set_ylabel("test loss (nats per word)")
    ax.set_title("Next-word loss on unseen emoji")
    ax.tick_params(axis="x", labelsize=7)
    # Possible if an image-blind decoder both learns real language structure
    # (beats word frequencies on unseen captions by a clear margin) and looks
    # as if it trains normally (its training loss falls at least half as much
    # as the seeing decoder's).
    learns_language = unigram - alone > 0.1
    reach = (
        f"it gets {share:.0%} of the improvement over word frequencies that the "
        "decoder with images gets"
        if share < 1
        else f"its loss ({alone:.2f}) is even lower than the decoder with images "
        f"({real:.2f})"
    )
    looks_trained = drops["blind"] > 0.5 * drops["seeing"]
    return Outcome(
        verdict="True" if learns_language and looks_trained else "False",
        evidence={
            "test loss, uniform over the vocabulary": uniform,
            "test loss, training word frequencies": unigram,
            "test loss, decoder trained without images (language only)": alone,
            "test loss, decoder trained with the images": real,
            "test loss, same decoder given shuffled test images": wrong,
            "share of the decoder's gain over word frequencies reached "
            "without images": share,
            "word accuracy, language only / with images": format_pair(
                [alone_acc, real_acc]
            ),
            "training loss drop, language only / with images": format_pair(
                [drops["blind"], drops["seeing"]]
            ),
        },
        reasoning=(
            "A decoder trained with all image features set to zero can only learn "
            "how captions go on, yet its training loss falls as a normal one's "
            f"does ({drops['blind']:.2f} nats, against {drops['seeing']:.2f} with "
            f"the images) and on unseen emoji {reach}. "
            "So a captioner can look well trained while capturing little more than "
            "language structure. Shuffling the test images tells them apart: our "
            f"decoder's loss rises from {real:.2f} to {wrong:.2f} nats, so it does "
            "use them."
        ),
        figure=figures.save(fig, ctx.figure_path("4.3.2")),
    )


@check("4.3.3", kind="experiment")
def greedy_decoding_works(ctx: Context) -> Outcome:
    """Caption unseen emoji word by word, each word fed back as the next input."""
    from dl2lab.caption.baselines import most_frequent_caption
    from dl2lab.caption.decode import greedy_decode
    from dl2lab.caption.evaluate import score

    data = caption_data(ctx)
    model = trained(ctx, "simple").model
    test, vocab = data.splits["test"], data.vocab
    decoded = greedy_decode(model, test.features)
    # The plain definition (re-running the whole model on the prefix) must
    # write the same captions as the incremental decoder.
    first = min(40, len(decoded))
    plain = greedy_decode(model, test.features[:first], stepper="full")
    same = sum(
        a.token_ids == b.token_ids for a, b in zip(decoded[:first], plain, strict=True)
    )
    captions = [vocab.decode(c.token_ids) for c in decoded]
    finished = float(np.mean([c.finished and len(c.token_ids) > 0 for c in decoded]))
    bleu = score(captions, test.references, vocab.tokenize)
    every = [c for refs in data.splits["train"].references for c in refs]
    frequent = score(
        [most_frequent_caption(every)] * len(test), test.references, vocab.tokenize
    )
    evidence = {
        "test drawings (unseen emoji)": len(test),
        "captions ending with <eos>, non-empty": finished,
        "distinct captions": len(set(captions)),
        f"same captions re-running the full model ({first} drawings)": f"{same}"
        f"/{first}",
        "BLEU-1, greedy": bleu[1],
        "BLEU-1, most frequent training caption": frequent[1],
        "BLEU-2, greedy": bleu[2],
    }
    for i in range(min(4, len(test))):
        evidence[f"example {i + 1}"] = (
            f"{captions[i]!r} (reference: {test.references[i][0]!r})"
        )
    works = finished >= 0.9 and same == first and bleu[1] > frequent[1]
    return Outcome(
        verdict="True" if works else "False",
        evidence=evidence,
        reasoning=(
            "Greedy decoding starts from <s>, takes the most probable word, feeds "
            "it back as the next input and stops at <eos>: it needs only the "
            f"image. On unseen emoji {finished:.0%} of the captions end properly, "
            f"with BLEU-1 {bleu[1]:.2f} against {frequent[1]:.2f} for always "
            "writing the most frequent training caption."
        ),
    )


def _bootstrap(values_a, values_b, references, tokenize, n_boot, seed, order):
    """Paired bootstrap over images of BLEU-``order`` (b minus a)."""
    from dl2lab.caption.bleu import corpus_bleu

    hyps_a = [tokenize(c) for c in values_a]
    hyps_b = [tokenize(c) for c in values_b]
    refs = [[tokenize(r) for r in rs] for rs in references]
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(refs), len(refs))
        a = corpus_bleu([hyps_a[i] for i in idx], [refs[i] for i in idx])[order]
        b = corpus_bleu([hyps_b[i] for i in idx], [refs[i] for i in idx])[order]
        diffs.append(b - a)
    return np.percentile(diffs, [5, 95])


@check("4.3.4", kind="experiment")
def beam_search_against_greedy(ctx: Context) -> Outcome:
    """Compare beam search (beam 3) with greedy decoding on unseen emoji."""
    from dl2lab.caption.decode import (
        DEFAULT_LENGTH_PENALTY,
        beam_search,
        greedy_decode,
    )
    from dl2lab.caption.evaluate import score

    data = caption_data(ctx)
    model = trained(ctx, "simple").model
    test, vocab = data.splits["test"], data.vocab
    penalty = DEFAULT_LENGTH_PENALTY
    greedy = greedy_decode(model, test.features)
    beam = beam_search(model, test.features, beam_size=3, length_penalty=penalty)
    texts = {
        "greedy": [vocab.decode(c.token_ids) for c in greedy],
        "beam": [vocab.decode(c.token_ids) for c in beam],
    }
    bleu = {k: score(v, test.references, vocab.tokenize) for k, v in texts.items()}
    # The beam's own objective, computed the same way for both decoders.
    mean_lp = {
        name: float(np.mean([c.log_prob / max(c.length, 1) ** penalty for c in got]))
        for name, got in (("greedy", greedy), ("beam", beam))
    }
    words = {
        name: float(np.mean([len(c.token_ids) for c in got]))
        for name, got in (("greedy", greedy), ("beam", beam))
    }
    order = 2
    low, high = _bootstrap(
        texts["greedy"],
        texts["beam"],
        test.references,
        vocab.tokenize,
        100 if ctx.quick else 300,
        ctx.seed,
        order,
    )
    changed = sum(a != b for a, b in zip(texts["greedy"], texts["beam"], strict=True))
    gain = bleu["beam"][order] - bleu["greedy"][order]
    if low > 0:
        verdict, condition = "True", None
    elif high < 0:
        verdict, condition = "False", None
    else:
        verdict = "depends"
        condition = (
            "beam search always finds captions the model scores higher, but "
            "whether they are better captions depends on the model and data; "
            "here the BLEU difference is within noise"
        )
    return Outcome(
        verdict=verdict,
        condition=condition,
        evidence={
            "test drawings (unseen emoji)": len(test),
            "length penalty of the beam (score = log p / length^penalty)": penalty,
            "mean score, greedy": mean_lp["greedy"],
            "mean score, beam 3": mean_lp["beam"],
            "mean words per caption, greedy / beam 3": format_pair(
                words.values(), ".2f"
            ),
            "captions changed by the beam": changed,
            **{
                f"BLEU-{n}, greedy / beam 3": f"{bleu['greedy'][n]:.3f} / "
                f"{bleu['beam'][n]:.3f}"
                for n in (1, 2, 3, 4)
            },
            f"BLEU-{order} gain of the beam": gain,
            f"90% bootstrap interval of the BLEU-{order} gain": f"[{low:+.3f}, "
            f"{high:+.3f}]",
        },
        reasoning=(
            "Greedy decoding commits to the best word at each step; a beam of 3 "
            "keeps three prefixes and finds captions the model scores higher "
            f"(mean length-normalised log-prob {mean_lp['greedy']:.2f} -> "
            f"{mean_lp['beam']:.2f}, {changed} of {len(test)} captions changed). "
            f"On unseen emoji BLEU-{order} moves by {gain:+.3f}, with a 90% "
            f"bootstrap interval of [{low:+.3f}, {high:+.3f}] over the drawings."
        ),
    )


def _rnn_inputs(model, features: np.ndarray, token_ids: np.ndarray) -> np.ndarray:
    """The SimpleRNN's inputs: embedded shifted caption + projected image."""
    from dl2lab.caption.model import EMBEDDING, PROJECTION
    from dl2lab.caption.teacher import teacher_forcing

    inputs, _ = teacher_forcing(token_ids)
    table = np.asarray(model.get_layer(EMBEDDING).embeddings, dtype="float64")
    project = np.asarray(model.get_layer(PROJECTION).kernel, dtype="float64")
    return table[inputs] + (features.astype("float64") @ project)[:, None, :]


@check("4.3.5", kind="experiment")
def longer_sequences_vanish_more(ctx: Context) -> Outcome:
    """Gradient of the last state w.r.t. the first input, by sequence length."""
    import keras

    from dl2lab.caption.model import RNN, build_captioner

    data = caption_data(ctx)
    features, token_ids = data.pairs["test"]
    # Each sequence costs 20 products of 128x128 matrices: a seeded sample
    # of captions is plenty for a median.
    rng = np.random.default_rng(ctx.seed)
    pick = np.sort(rng.choice(len(features), min(96, len(features)), replace=False))
    features, token_ids = features[pick], token_ids[pick]
    model = trained(ctx, "simple").model
    keras.utils.set_random_seed(ctx.seed)
    initial = build_captioner(features.shape[1], vocab_size=len(data.vocab))
    curves, radius = {}, {}
    for name, net in (("trained", model), ("at initialisation", initial)):
        kernel, recurrent, bias = (
            np.asarray(w, dtype="float64") for w in net.get_layer(RNN).get_weights()
        )
        x = _rnn_inputs(net, features, token_ids)  # (m, 20, 128)
        norms = first_input_gradient_norms(kernel, recurrent, bias, x)
        curves[name] = np.median(norms, axis=0)  # (20,)
        radius[name] = float(np.max(np.abs(np.linalg.eigvals(recurrent))))
    short, long = 5, EXAM_MAX_LEN
    ratio = curves["trained"][short - 1] / curves["trained"][long - 1]

    fig, ax = figures.new_figure()
    lengths = np.arange(1, EXAM_MAX_LEN + 1)
    for name, curve in curves.items():
        ax.semilogy(lengths, curve, "o-", label=f"SimpleRNN(128), {name}")
    ax.set_xlabel("sequence length T")
    ax.set_ylabel("median ||d h_T / d x_1||")
    ax.set_title("Gradient reaching the first word, unseen emoji captions")
    ax.legend()
    if ratio > 2:
        verdict = "False"
    elif ratio < 0.5:
        verdict = "True"
    else:
        verdict = "depends"
    return Outcome(
        verdict=verdict,
        condition=None
        if verdict != "depends"
        else "the gradient norm barely depends on the length here",
        evidence={
            **{
                f"median ||dh_T/dx_1||, trained, T={t}": float(curves["trained"][t - 1])
                for t in (1, 2, short, 10, long)
            },
            f"same at initialisation, T=1 / T={long}": format_pair(
                curves["at initialisation"][[0, long - 1]], ".3g"
            ),
            "test captions used (seeded sample)": len(features),
            f"shrink factor from T={short} to T={long}, trained": ratio,
            "spectral radius of the recurrent kernel, trained": radius["trained"],
        },
        reasoning=(
            "Back-propagating from the last state to the first word multiplies "
            "one Jacobian per step (the recurrent kernel times the tanh slopes), "
            "so each extra step can shrink the gradient further. Measured on the "
            f"trained decoder with {len(features)} real captions, the gradient "
            f"reaching the first word is {ratio:,.0f}x smaller for T={long} than "
            f"for T={short} (the kernel's spectral radius is "
            f"{radius['trained']:.1f}, but saturated tanh slopes shrink every "
            "step): vanishing gradients get stronger for longer sequences, not "
            "shorter."
        ),
        figure=figures.save(fig, ctx.figure_path("4.3.5")),
    )


@check("4.3.6", kind="experiment")
def lstm_against_simple_rnn(ctx: Context) -> Outcome:
    """Train the decoder with a SimpleRNN and with an LSTM on the same budget."""
    data = caption_data(ctx)
    features, token_ids = data.pairs["test"]
    runs = {"SimpleRNN": trained(ctx, "simple"), "LSTM": trained(ctx, "lstm")}
    test_loss = {
        k: teacher_forced(r.model, features, token_ids)[0] for k, r in runs.items()
    }
    final_train = {k: r.history["loss"][-1] for k, r in runs.items()}
    best_val = {k: min(r.history["val_loss"]) for k, r in runs.items()}
    epochs = len(runs["SimpleRNN"].history["loss"])
    words = float(np.mean(np.isin(token_ids, (0, 2, 3), invert=True).sum(axis=1)))
    # Two full runs on two versions of the emoji set (before and after
    # duplicate line-art drawings were dropped) moved the test-loss gap
    # between the cells by 0.15 nats, from -0.07 to +0.07: smaller gaps are
    # not evidence either way.
    margin = 0.15  # nats per word

    generalises = test_loss["SimpleRNN"] - test_loss["LSTM"]  # > 0: LSTM better
    harder = final_train["LSTM"] - final_train["SimpleRNN"]  # > 0: LSTM harder

    fig, ax = figures.new_figure()
    for (name, run), color in zip(runs.items(), ("tab:blue", "tab:green"), strict=True):
        x = np.arange(1, len(run.history["loss"]) + 1)
        ax.plot(x, run.history["loss"], "-", color=color, label=f"{name} train")
        ax.plot(
            x, run.history["val_loss"], "--", color=color, label=f"{name} validation"
        )
    ax.set_title("Same budget, same captions: SimpleRNN(128) vs LSTM(128)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (nats per word)")
    ax.legend()

    better, worse = generalises > margin, generalises < -margin
    slower, faster = harder > margin, harder < -margin
    if better and slower:
        verdict, condition = "True", None
    elif worse or faster:
        verdict, condition = "False", None
    else:
        verdict = "depends"
        condition = (
            "on the data and the training budget: here "
            + ("the LSTM does fit more slowly, but " if slower else "")
            + f"the held-out losses are within {margin} nats of each other"
            + ("" if slower else ", and so are the training losses")
        )
    summary = {
        "True": "Both halves of the statement hold on this data.",
        "False": "The statement needs both halves, and "
        + (
            "the LSTM generalises worse here."
            if worse
            else "the LSTM trains more easily here."
        ),
        "depends": "Neither cell is clearly better on unseen emoji.",
    }[verdict]
    fit = "more slowly" if slower else ("faster" if faster else "about as fast")
    held = "better" if better else ("worse" if worse else "about as well")
    return Outcome(
        verdict=verdict,
        condition=condition,
        evidence={
            "epochs (same for both)": epochs,
            "final training loss, SimpleRNN / LSTM": format_pair(final_train.values()),
            "best validation loss, SimpleRNN / LSTM": format_pair(best_val.values()),
            "test loss (unseen emoji), SimpleRNN / LSTM": format_pair(
                test_loss.values()
            ),
            "test-loss advantage of the LSTM (nats)": generalises,
            "training-loss excess of the LSTM (nats)": harder,
            "recurrent parameters, SimpleRNN / LSTM": format_pair(
                [r.model.get_layer("rnn").count_params() for r in runs.values()],
                ".0f",
            ),
        },
        reasoning=(
            f"With the same {epochs} epochs on the same captions, the LSTM fits "
            f"the training set {fit} (final loss {final_train['LSTM']:.2f} against "
            f"{final_train['SimpleRNN']:.2f}) and does {held} on unseen emoji (test "
            f"loss {test_loss['LSTM']:.2f} against {test_loss['SimpleRNN']:.2f}). "
            f"{summary} An LSTM's gates carry gradients across many steps (4.3.5 "
            "shows how fast they vanish in the SimpleRNN), which matters for long "
            "dependencies; they are not a regulariser, and with four times the "
            "recurrent weights an LSTM may fit more slowly per epoch. Emoji names "
            f"are short ({words:.1f} words on average), so the gates have little "
            "to act on here."
        ),
        figure=figures.save(fig, ctx.figure_path("4.3.6")),
    )
