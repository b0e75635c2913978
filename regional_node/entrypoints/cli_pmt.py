"""``siks node pmt``: the proxy means test at the node's console (docs/pmt.md).

    siks node pmt show --db URL                  # the active model
    siks node pmt load MODEL.json --db URL       # validate, store, recompute every score
    siks node pmt recompute --db URL             # recompute every score with the active model
    siks node pmt example-survey --region 32.73 --households 3000 --output survey.csv
    siks node pmt fit survey.csv --version V --output MODEL.json
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from regional_node.entrypoints.cli import add_database_options

if TYPE_CHECKING:
    from regional_node.adapters.database import Database
    from regional_node.domain.audit import Actor
    from regional_node.domain.pmt import PmtModel
    from regional_node.service_layer.pmt import RunReport

T = TypeVar("T")


def register(commands: argparse._SubParsersAction) -> None:
    pmt = commands.add_parser("pmt", help="proxy means test: model, scores, fitting")
    sub = pmt.add_subparsers(dest="pmt_command", required=True, metavar="COMMAND")
    show = sub.add_parser("show", help="the active PMT model")
    add_database_options(show, region=False)
    show.set_defaults(handler=_show)
    load = sub.add_parser("load", help="validate and load a model file, then recompute scores")
    load.add_argument("file", type=Path, metavar="MODEL.json")
    add_database_options(load, region=False)
    load.add_argument("--actor", help="who loads it, for the audit log (default: OS user)")
    load.set_defaults(handler=_load)
    recompute = sub.add_parser("recompute", help="recompute every household's score")
    add_database_options(recompute, region=False)
    recompute.add_argument("--actor", help="who runs it, for the audit log (default: OS user)")
    recompute.set_defaults(handler=_recompute)
    _register_fitting(sub)


def _register_fitting(sub: argparse._SubParsersAction) -> None:
    example = sub.add_parser("example-survey",
                             help="write a synthetic survey CSV whose consumption a model "
                                  "predicts (to try fitting)")
    example.add_argument("--region", required=True, metavar="KABKOTA")
    example.add_argument("--households", type=int, default=3000)
    example.add_argument("--seed", type=int, default=1)
    example.add_argument("--noise", type=float, default=0.25,
                         help="standard deviation of the log consumption's noise")
    example.add_argument("--model", type=Path, metavar="MODEL.json",
                         help="the model that makes consumption (default: the shipped one)")
    example.add_argument("--on", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                         help="the survey's date (ages; default today)")
    example.add_argument("--output", type=Path, required=True, metavar="FILE")
    example.set_defaults(handler=_example)
    fit = sub.add_parser("fit", help="fit a model by least squares from a survey CSV")
    fit.add_argument("survey", type=Path, metavar="SURVEY.csv")
    fit.add_argument("--version", required=True, help="the new model's version")
    fit.add_argument("--description", default="", help="the new model's description")
    fit.add_argument("--features-from", type=Path, metavar="MODEL.json",
                     help="fit the features this model has coefficients for (default: the "
                          "shipped model's)")
    fit.add_argument("--on", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                     help="the survey's date (ages; default today)")
    fit.add_argument("--output", type=Path, required=True, metavar="MODEL.json")
    fit.set_defaults(handler=_fit)


def _model_file(path: Path | None) -> PmtModel:
    from regional_node.domain.pmt_model import parse_model
    from regional_node.service_layer.pmt import default_model

    return default_model() if path is None else parse_model(_read(path))


def _read(path: Path) -> str:
    from schema.errors import InvalidInput

    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise InvalidInput(f"tidak dapat membaca / cannot read {path}: {reason}",
                           reason="unreadable") from None


def _show(args: argparse.Namespace) -> int:
    model, counts = asyncio.run(_with_database(args, _active_and_counts))
    print(f"model PMT / PMT model: {model.version}")
    print(f"  {model.description}")
    regions = ", ".join(sorted(model.regions)) or "-"
    print(f"  wilayah sendiri / own coefficients: {regions}")
    for version, households in counts:
        print(f"  skor / scores {version}: {households}")
    return 0


def _load(args: argparse.Namespace) -> int:
    from regional_node.domain.pmt_model import parse_model

    model_text = _read(args.file)
    parse_model(model_text)  # a bad file is refused before the database is opened

    async def run(database: Database) -> tuple[PmtModel, RunReport]:
        from regional_node.service_layer.pmt import load_model, recompute_all
        from regional_node.service_layer.unit_of_work import UnitOfWork

        async with UnitOfWork(database, _actor(args)) as uow:
            model = await load_model(uow, model_text)
            report = await recompute_all(uow)
            await uow.commit()
        return model, report

    model, report = asyncio.run(_with_database(args, run))
    print(f"model PMT {model.version} dimuat / loaded")
    _print_run(report)
    return 0


def _recompute(args: argparse.Namespace) -> int:
    async def run(database: Database) -> RunReport:
        from regional_node.service_layer.pmt import recompute_all
        from regional_node.service_layer.unit_of_work import UnitOfWork

        async with UnitOfWork(database, _actor(args)) as uow:
            report = await recompute_all(uow)
            await uow.commit()
        return report

    _print_run(asyncio.run(_with_database(args, run)))
    return 0


def _print_run(report: RunReport) -> None:
    print(f"skor dihitung ulang / scores recomputed: {report.households} rumah tangga / "
          f"households, {report.changed} berubah / changed (model {report.model_version}, "
          f"digest {report.scores_digest[:16]}…)")


def _actor(args: argparse.Namespace) -> Actor:
    from regional_node.domain.audit import Actor

    return Actor(id=f"cli:{args.actor or getpass.getuser()}", role="DINSOS")


async def _active_and_counts(database: Database) -> tuple[PmtModel, list[tuple[str, int]]]:
    from sqlalchemy import func, select

    from regional_node.adapters.orm import PmtScore
    from regional_node.service_layer.pmt import active_model

    async with database.reader() as session:
        model = await active_model(session)
        rows = await session.execute(select(PmtScore.model_version, func.count())
                                     .group_by(PmtScore.model_version)
                                     .order_by(PmtScore.model_version))
        return model, [(version, count) for version, count in rows.tuples()]


async def _with_database(args: argparse.Namespace, work: Callable[[Database], Awaitable[T]]
                         ) -> T:
    from regional_node.adapters.database import open_database
    from regional_node.adapters.migrations import current_revision, head_revision
    from regional_node.config import database_url
    from schema.errors import ConfigError

    database = open_database(database_url(args.db_url))
    try:
        if await current_revision(database) != head_revision():
            raise ConfigError("basis data belum pada revisi terbaru: jalankan siks node migrate "
                              "/ the database is not at the newest revision: run siks node "
                              "migrate")
        return await work(database)
    finally:
        await database.dispose()


def _example(args: argparse.Namespace) -> int:
    from regional_node.service_layer.pmt_survey import write_example_survey
    from schema.regions import RegionLevel, regions

    regions().require(args.region, level=RegionLevel.KABKOTA)
    model = _model_file(args.model)
    written = write_example_survey(args.output, args.region, args.households, args.seed, model,
                                   args.noise, args.on or dt.date.today())
    made = f"model {model.version}, noise {args.noise}"
    print(f"ditulis {written} rumah tangga {args.region}, konsumsi dari {made} / wrote "
          f"{written} households of {args.region}, consumption from {made}: {args.output}")
    return 0


def _fit(args: argparse.Namespace) -> int:
    from regional_node.domain.pmt import PmtModel, features
    from regional_node.domain.pmt_fit import fit
    from regional_node.domain.pmt_model import model_from_document, model_text
    from regional_node.service_layer.pmt_survey import read_survey

    names = list(_model_file(args.features_from).default.weights)
    on = args.on or dt.date.today()
    survey = read_survey(args.survey)
    result = fit(((features(facts, on), y) for facts, y in survey), names)
    fitted = PmtModel(args.version, args.description, result.coefficients, {})
    model_from_document(_document(fitted))  # what it writes, it would load
    args.output.write_text(model_text(fitted), encoding="utf-8")
    count, households = len(result.coefficients.weights), result.households
    print(f"diestimasi {count} koefisien dari {households} rumah tangga, R² "
          f"{result.r_squared:.3f} / fitted {count} coefficients on {households} households: "
          f"{args.output}")
    if result.left_out:
        print(f"  tidak ada dalam data, tidak diestimasi / not in the data, left out: "
              f"{', '.join(result.left_out)}")
    return 0


def _document(model: PmtModel) -> dict[str, object]:
    from regional_node.domain.pmt_model import model_document

    return model_document(model)
