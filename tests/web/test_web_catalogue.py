"""Every text of the web pages is in the ``web`` catalogue: each msgid the templates and the
page handlers use, the region labels and the GraphQL error messages is translated in id.po;
and the error codes map to Indonesian messages that say what to do."""

from __future__ import annotations

from schema.i18n import Translator, missing_translations
from schema.web import render, template_names
from schema.web.errors import error_message, error_messages
from tests.web.msgids import all_msgids, handler_msgids, template_msgids


def test_every_msgid_of_the_web_pages_is_translated_into_indonesian() -> None:
    assert len(template_msgids()) > 50 and len(handler_msgids()) > 10  # the extraction works
    assert missing_translations("web", all_msgids(), "id") == []


def test_a_graphql_error_code_becomes_an_indonesian_message_saying_what_to_do() -> None:
    indonesian = Translator("web", "id")
    assert error_message("RATE_LIMITED", indonesian) == (
        "Terlalu banyak permintaan dari koneksi ini. Tunggu satu menit lalu coba lagi.")
    assert error_message("INVALID_RECORD", indonesian, "nik") == (
        "NIK harus 16 angka sesuai KTP. Periksa lalu kirim lagi.")
    assert error_message("SOMETHING_NEW", indonesian).startswith("Terjadi kesalahan di server")
    assert error_message("FORBIDDEN", Translator("web", "en")).startswith("Your account may not")
    twice = [{"extensions": {"code": "NODE_TIMEOUT"}}] * 2 + [{"message": "no code"}]
    assert len(error_messages(twice, indonesian)) == 2  # one message per refusal


def test_every_template_renders_in_both_languages_without_a_missing_variable() -> None:
    assert "base.html" in template_names()
    english = render("home.html", "en", csrf_token="t", csrf_field="csrf_token", username=None,
                     path="/web/", errors=[], site="gateway")
    indonesian = render("home.html", "id", csrf_token="t", csrf_field="csrf_token",
                        username=None, path="/web/", errors=[], site="gateway")
    assert "Check aid" in english and "Cek bansos" in indonesian


def test_the_vendored_htmx_is_the_pinned_npm_file_and_nothing_else_is_served() -> None:
    from schema.web import (
        HTMX,
        HTMX_SHA384,
        LEAFLET,
        LEAFLET_CSS,
        LEAFLET_IMAGES,
        MAP_SCRIPT,
        PENDAMPING_SCRIPT,
        SCRIPT,
        STYLE,
        asset_files,
        asset_integrity,
    )

    LEAFLET_ASSETS = {LEAFLET, LEAFLET_CSS, *LEAFLET_IMAGES, MAP_SCRIPT}

    assert asset_integrity(HTMX) == HTMX_SHA384
    assert set(asset_files()) == {HTMX, STYLE, SCRIPT, PENDAMPING_SCRIPT, *LEAFLET_ASSETS}
    page = render("home.html", "id", csrf_token="t", csrf_field="csrf_token", username=None,
                  path="/web/", errors=[], site="gateway")
    assert f'integrity="{HTMX_SHA384}"' in page
    assert "http://" not in page and "https://" not in page  # no resource from elsewhere


def test_the_vendored_leaflet_is_the_pinned_npm_files_and_only_the_dashboard_loads_it() -> None:
    from schema.web import (
        ASSETS_DIR,
        LEAFLET,
        LEAFLET_CSS,
        LEAFLET_CSS_SHA384,
        LEAFLET_IMAGES,
        LEAFLET_SHA384,
        asset_files,
        asset_integrity,
        content_type,
    )

    assert asset_integrity(LEAFLET) == LEAFLET_SHA384  # npm leaflet 1.9.4 package/dist/
    assert asset_integrity(LEAFLET_CSS) == LEAFLET_CSS_SHA384
    assert (ASSETS_DIR / "leaflet-1.9.4" / "LICENSE").read_text().startswith("BSD 2-Clause")
    assert all(asset_files()[name].is_file() and content_type(name) == "image/png"
               for name in LEAFLET_IMAGES)  # what leaflet.css refers to
    assert "LICENSE" not in " ".join(asset_files())  # on disk, not served
    page = render("home.html", "id", csrf_token="t", csrf_field="csrf_token", username=None,
                  path="/web/", errors=[], site="gateway")
    assert "leaflet" not in page


def test_the_dashboard_lists_the_poverty_pockets_in_the_pages_language() -> None:
    pocket = {"kabkotaCode": "32.04", "kabkotaName": "Kabupaten Bandung", "share": 0.4,
              "neighbourhoodShare": 0.5, "pValue": 0.01, "new": True,
              "reason": "lingkungan miskin", "reasonEn": "a poor neighbourhood"}
    common = {"csrf_token": "t", "csrf_field": "csrf_token", "username": "kemensos",
              "path": "/web/kemensos", "errors": [], "site": "gateway", "period": "2026-S1",
              "indicator": "exclusion_error", "indicators": ["exclusion_error"],
              "pockets_pending": False, "names": {}}
    found = {"povertyPockets": {"previousPeriod": None, "regionsAnalysed": 3,
                                "pockets": [pocket]}}
    indonesian = render("kemensos.html", "id", data=found, **common)
    pockets = indonesian.split('id="daftar-kantong"')[1].split("</ul>")[0]
    assert "Kabupaten Bandung" in pockets and "baru" in pockets
    assert "lingkungan miskin" in pockets
    assert "a poor neighbourhood" in render("kemensos.html", "en", data=found, **common)
    none = {"povertyPockets": {"previousPeriod": None, "regionsAnalysed": 3, "pockets": []}}
    assert "Tidak ada kantong kemiskinan di antara 3 kabupaten/kota" in render(
        "kemensos.html", "id", data=none, **common)
