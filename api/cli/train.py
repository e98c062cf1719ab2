"""`redaccount train sentiment`: fit the reader on labelled messages and make it the one every path uses."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer

from api.cli.common import console, err_console, load_settings, opened_product

train_app = typer.Typer(help="Fit readers from labelled data (a CSV, CSAT comments, reviewer corrections).",
                        no_args_is_help=True)


@train_app.command("sentiment")
def sentiment(
    csv_path: Path | None = typer.Option(None, "--csv", exists=True, dir_okay=False,
                                         help="Labelled CSV (labels negative|neutral|positive, or neg/neu/pos, bad/good)."),
    text_column: str = typer.Option("text", "--text-column"),
    label_column: str = typer.Option("label", "--label-column"),
    from_csat: bool = typer.Option(False, "--from-csat", help="Train on CSAT comments (bad = negative, good = positive)."),
    from_reviews: bool = typer.Option(False, "--from-reviews", help="Train on reviewers' corrections at case close."),
    embeddings: bool = typer.Option(False, "--embeddings/--no-embeddings",
                                    help="Add the MiniLM stage for the least confident messages (slower to fit)."),
    folds: int = typer.Option(5, min=2, help="Cross-validation folds for the reported metrics."),
    activate: bool = typer.Option(True, "--activate/--no-activate", help="Make the new reader the active one."),
    use: str | None = typer.Option(None, "--use", help="Only switch the active reader: a saved version, or 'default'."),
    list_readers: bool = typer.Option(False, "--list", help="List the saved readers and exit."),
) -> None:
    """Fit, cross-validate and save a reader with its manifest; it becomes the reader of every path."""
    from agent.sentiment.registry import ReaderError, activate_version, active_version, manifests
    from agent.sentiment.training import read_labelled_csv, train_reader
    from core.db import open_database
    from core.store.labels import SENTIMENT, read_labels, record_evaluation

    settings = load_settings()
    if list_readers:
        active = active_version(settings)
        for m in manifests(settings):
            mark = "*" if m.version == active else " "
            console.print(f"{mark} {m.version}  {m.created_at}  {m.source}  n={m.n_train}  "
                          f"accuracy={m.metrics.get('accuracy', 'n/a')}")
        console.print(f"active: {active or 'shipped lexicon (default)'}")
        return
    if use is not None:
        try:
            activate_version(settings, None if use == "default" else use)
        except ReaderError as exc:
            err_console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from None
        console.print(f"active reader: {use}")
        return
    if not (csv_path or from_csat or from_reviews):
        raise typer.BadParameter("give --csv FILE, --from-csat and/or --from-reviews")

    engine = open_database(settings)
    texts: list[str] = []
    labels: list[str] = []
    sources = []
    try:
        if csv_path is not None:
            t, lab, skipped = read_labelled_csv(csv_path, text_column, label_column)
            texts, labels = texts + t, labels + lab
            sources.append(f"csv:{csv_path.name} ({len(t)} rows, {skipped} skipped)")
        if from_csat or from_reviews:
            from core.feedback import collect

            collect(engine, csat=from_csat, reviews=from_reviews)
            wanted = [s for s, on in (("csat", from_csat), ("review", from_reviews)) if on]
            stored = read_labels(engine, SENTIMENT, wanted)
            texts += [x.text or "" for x in stored]
            labels += [x.label for x in stored]
            sources.append(f"store:{'+'.join(wanted)} ({len(stored)} labels)")
        if len(set(labels)) < 2:
            raise ValueError(f"need labelled texts of at least two classes; found {len(texts)} text(s) "
                             f"labelled {sorted(set(labels)) or 'nothing'}")
        with console.status(f"fitting on {len(texts)} labelled messages ..."):
            _, manifest = train_reader(settings, texts, labels, source="; ".join(sources), folds=folds,
                                       params={"embeddings": embeddings}, activate=activate)
    except (ValueError, ReaderError) as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    if manifest.metrics:
        record_evaluation(engine, kind="sentiment", version=manifest.version, metric="accuracy_cv",
                          value=manifest.metrics.get("accuracy"), n=manifest.n_train, activated=activate,
                          detail={"source": manifest.source, "macro_f1": manifest.metrics.get("macro_f1")})
    print(json.dumps(asdict(manifest), indent=2))


@train_app.command("refit")
def refit() -> None:
    """Refit the reader and the risk weights from the operator's labels (what the scheduled job runs).

    Each is activated only if it does not do worse on the held-back part of the labels; prints both results.
    """
    from product.learning_jobs import refit_models

    with opened_product() as product, console.status("refitting from the operator's labels ..."):
        result = refit_models(product)
    print(json.dumps(result, indent=2))
