"""The public's pages at the gateway (no login): cekbansos by desa and the full name as on
the KTP (status, programs and period only, as the public search answers), the usul and
sanggah forms, and the receipt check. Every POST carries the session's CSRF token."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from gateway.entrypoints.web.regions import picker
from service_kit.web.pages import Outcome, form_with_csrf, messages, page, run, text

SEARCH = """query Cekbansos($desa: String!, $name: String!) {
  households(filter: {region: $desa, name: $name}) {
    edges { node { status desaName programs { program period active } } } } }"""
SUBMIT_USUL = """mutation Usul($input: UsulInput!) {
  submitUsul(input: $input) { receiptId status } }"""
SUBMIT_SANGGAH = """mutation Sanggah($input: SanggahInput!) {
  submitSanggah(input: $input) { receiptId status } }"""
RECEIPT = """query TandaTerima($receipt: ID!) {
  communityReportReceipt(receiptId: $receipt) { receiptId status } }"""
PROGRAMS = ("PKH", "BPNT", "PBI_JK", "BLT", "PIP", "RUTILAHU")
PHOTO_TYPES = ("image/jpeg", "image/png")


async def home(request: web.Request) -> web.Response:
    return page(request, "home.html")


async def wilayah(request: web.Request) -> web.Response:
    """The region picker alone (htmx swaps it in when a list's choice changes)."""
    chosen = await picker(request, request.query)
    return page(request, "region_picker.html", picker=chosen,
                picker_errors=messages(request, chosen.outcome))


async def cekbansos(request: web.Request) -> web.Response:
    chosen = await picker(request, request.query)
    return page(request, "cekbansos.html", picker=chosen, name="", searched=False,
                households=[], errors=messages(request, chosen.outcome))


async def cekbansos_search(request: web.Request) -> web.Response:
    form = await form_with_csrf(request)
    chosen = await picker(request, form)
    name = str(form.get("nama", "")).strip()
    context: dict[str, Any] = {"picker": chosen, "name": name, "searched": False,
                               "households": [], "errors": messages(request, chosen.outcome)}
    if form.get("lanjut"):  # without JavaScript: the next region list, nothing sent yet
        return page(request, "cekbansos.html", **context)
    if not chosen.desa or not name:
        context["errors"].append(
            text(request, "Choose the desa and write the full name as on the KTP."))
        return page(request, "cekbansos.html", status=400, **context)
    outcome = await run(request, SEARCH, desa=chosen.desa, name=name)
    edges = ((outcome.data or {}).get("households") or {}).get("edges") or []
    context.update(searched=True, households=[edge["node"] for edge in edges],
                   errors=messages(request, outcome))
    return page(request, "cekbansos.html", **context)


async def usul_form(request: web.Request) -> web.Response:
    chosen = await picker(request, request.query)
    return page(request, "usul.html", picker=chosen, form={},
                errors=messages(request, chosen.outcome))


async def usul_submit(request: web.Request) -> web.Response:
    form = await form_with_csrf(request)
    chosen = await picker(request, form)
    given = {key: str(form.get(key, "")).strip() for key in
             ("nama", "alamat", "keterangan", "nik", "kk", "pengirim", "kontak")}
    if form.get("lanjut"):  # without JavaScript: the next region list, nothing sent yet
        return page(request, "usul.html", picker=chosen, form=given,
                    errors=messages(request, chosen.outcome))
    if not chosen.desa:
        return page(request, "usul.html", status=400, picker=chosen, form=given,
                    errors=[_need_desa(request)])
    outcome = await run(request, SUBMIT_USUL, input={
        "desaCode": chosen.desa, "personName": given["nama"], "address": given["alamat"],
        "description": given["keterangan"], "nik": given["nik"] or None,
        "kkNumber": given["kk"] or None, "submitter": _submitter(given)})
    return _receipt_or_form(request, outcome, "submitUsul", "usul.html", chosen, given)


async def sanggah_form(request: web.Request) -> web.Response:
    chosen = await picker(request, request.query)
    return page(request, "sanggah.html", picker=chosen, form={},
                errors=messages(request, chosen.outcome), programs=PROGRAMS)


async def sanggah_submit(request: web.Request) -> web.Response:
    form = await form_with_csrf(request)
    chosen = await picker(request, form)
    given = {key: str(form.get(key, "")).strip() for key in
             ("nama", "alamat", "keterangan", "lintang", "bujur", "program", "pengirim",
              "kontak")}
    if form.get("lanjut"):  # without JavaScript: the next region list, nothing sent yet
        return page(request, "sanggah.html", picker=chosen, form=given,
                    errors=messages(request, chosen.outcome), programs=PROGRAMS)
    problem = None if chosen.desa else _need_desa(request)
    photo = form.get("foto")
    position = _position(given["lintang"], given["bujur"])
    if problem is None and (not hasattr(photo, "file") or
                            getattr(photo, "content_type", "") not in PHOTO_TYPES):
        problem = text(request, "Attach a photo (JPEG or PNG) of the house.")
    if problem is None and position is None:
        problem = text(request, "Give the position as numbers, e.g. latitude -6.87 and "
                                 "longitude 107.59.")
    if problem is not None or position is None:
        return page(request, "sanggah.html", status=400, picker=chosen, form=given,
                    errors=[problem], programs=PROGRAMS)
    outcome = await run(request, SUBMIT_SANGGAH, input={
        "desaCode": chosen.desa, "personName": given["nama"], "address": given["alamat"],
        "description": given["keterangan"],
        "photoBase64": base64.b64encode(photo.file.read()).decode("ascii"),  # type: ignore[union-attr]
        "photoMediaType": photo.content_type,  # type: ignore[union-attr]
        "latitude": position[0], "longitude": position[1],
        "program": given["program"] if given["program"] in PROGRAMS else None,
        "submitter": _submitter(given)})
    return _receipt_or_form(request, outcome, "submitSanggah", "sanggah.html", chosen, given,
                            programs=PROGRAMS)


def _position(latitude: str, longitude: str) -> tuple[float, float] | None:
    try:
        return float(latitude.replace(",", ".")), float(longitude.replace(",", "."))
    except ValueError:
        return None


def _submitter(given: Mapping[str, str]) -> dict[str, str | None] | None:
    if not (given["pengirim"] or given["kontak"]):
        return None
    return {"name": given["pengirim"] or None, "contact": given["kontak"] or None}


def _receipt_or_form(request: web.Request, outcome: Outcome, field: str, template: str,
                     chosen: Any, given: dict[str, str], **extra: Any) -> web.Response:
    receipt = (outcome.data or {}).get(field)
    if receipt is None:
        return page(request, template, status=400, picker=chosen, form=given,
                    errors=messages(request, outcome), **extra)
    return page(request, "receipt.html", receipt=receipt, errors=[], asked=receipt["receiptId"],
                sent=True)


async def tanda_terima(request: web.Request) -> web.Response:
    asked = request.query.get("nomor", "").strip()
    if not asked:
        return page(request, "receipt.html", receipt=None, errors=[], asked="", sent=False)
    outcome = await run(request, RECEIPT, receipt=asked)
    receipt = (outcome.data or {}).get("communityReportReceipt")
    errors = messages(request, outcome)
    if receipt is None and not errors:
        errors = [text(request, "No report has this receipt number. Check it and try again.")]
    return page(request, "receipt.html", status=200 if receipt else 404, receipt=receipt,
                errors=errors, asked=asked, sent=False)


def _need_desa(request: web.Request) -> str:
    return text(request, "Choose the province, kab/kota, kecamatan and desa.")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/web/", home)
    app.router.add_get("/web/wilayah", wilayah)
    app.router.add_get("/web/cekbansos", cekbansos)
    app.router.add_post("/web/cekbansos", cekbansos_search)
    app.router.add_get("/web/usul", usul_form)
    app.router.add_post("/web/usul", usul_submit)
    app.router.add_get("/web/sanggah", sanggah_form)
    app.router.add_post("/web/sanggah", sanggah_submit)
    app.router.add_get("/web/tanda-terima", tanda_terima)
