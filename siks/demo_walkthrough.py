"""The walkthrough ``siks demo`` writes: one proposal from an operator's draft to Kemensos'
determination, and a second one returned, each step a command a person types.

``<dir>/walkthrough/PANDUAN.md`` (Indonesian first, English beside it) explains the steps;
``steps.sh`` holds them as shell functions whose GraphQL is plain to read; the Musdes minutes
(``berita-acara-musdes.pdf``) and a house photo with GPS inside the city (``rumah.jpg``) are
the files the operator and the pendamping would bring. A test runs the guide's commands
exactly as written.
"""

from __future__ import annotations

import io
import shlex
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

GUIDE = "PANDUAN.md"
HOUSE = (-6.91925, 107.63705)  # a street in Kota Bandung (32.73)


@dataclass(frozen=True, slots=True)
class WalkthroughPlace:
    directory: Path  # the demo's data folder
    region: str
    desa: str
    node_url: str
    gateway_url: str
    operator: str
    pendamping: str
    dinsos: str
    kemensos: str = "kemensos"

    @property
    def folder(self) -> Path:
        return self.directory / "walkthrough"

    @property
    def guide(self) -> Path:
        return self.folder / GUIDE


def write_walkthrough(place: WalkthroughPlace) -> Path:
    """The guide, its step functions and the two files; returns the guide's path."""
    place.folder.mkdir(parents=True, exist_ok=True)
    (place.folder / "berita-acara-musdes.pdf").write_bytes(_minutes_pdf())
    (place.folder / "keputusan-mensos.pdf").write_bytes(_minutes_pdf("Keputusan Menteri Sosial"))
    (place.folder / "rumah.jpg").write_bytes(_house_photo(*HOUSE))
    (place.folder / "steps.sh").write_text(_steps(place), encoding="utf-8")
    place.guide.write_text(_guide(place), encoding="utf-8")
    return place.guide


def _minutes_pdf(title: str = "Berita Acara Musyawarah Desa") -> bytes:
    """A small real PDF, standing in for a scanned document (the minutes, the decree)."""
    out = io.BytesIO()
    page = Image.new("RGB", (595, 842), "white")
    page.save(out, "PDF", title=title)
    return out.getvalue()


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    degrees, rest = int(value), (value - int(value)) * 60
    minutes = int(rest)
    return (IFDRational(degrees, 1), IFDRational(minutes, 1),
            IFDRational(round((rest - minutes) * 60 * 10_000), 10_000))


def _house_photo(latitude: float, longitude: float) -> bytes:
    """A JPEG with EXIF GPS, as a phone's camera writes it."""
    image = Image.new("RGB", (640, 480), (181, 140, 99))
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "S" if latitude < 0 else "N",
        ExifTags.GPS.GPSLatitude: _dms(latitude),
        ExifTags.GPS.GPSLongitudeRef: "W" if longitude < 0 else "E",
        ExifTags.GPS.GPSLongitude: _dms(longitude),
    }
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif)
    return out.getvalue()


def _steps(place: WalkthroughPlace) -> str:
    values = {
        "DEMO": str(place.directory), "NODE": place.node_url, "GATEWAY": place.gateway_url,
        "REGION": place.region, "DESA": place.desa, "KECAMATAN": place.desa.rsplit(".", 1)[0],
        "OPERATOR": place.operator, "PENDAMPING": place.pendamping, "DINSOS": place.dinsos,
        "KEMENSOS": place.kemensos,
        "LAT": str(HOUSE[0]), "LON": str(HOUSE[1]),
    }
    header = "\n".join(f"{name}={shlex.quote(value)}" for name, value in values.items())
    return STEPS_TEMPLATE.replace("@@VALUES@@", header)


def _guide(place: WalkthroughPlace) -> str:
    return GUIDE_TEMPLATE.format(folder=place.folder, node=place.node_url,
                                 gateway=place.gateway_url, region=place.region,
                                 desa=place.desa)


STEPS_TEMPLATE = r'''# Langkah-langkah panduan / the walkthrough's steps (source this file in bash)
@@VALUES@@
WALK="$DEMO/walkthrough"

# --- alat bantu / helpers ------------------------------------------------------------------
password() {  # password KEY: from the demo's logins file
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
    "$DEMO/demo-logins.json" "$1"
}
login() {  # login URL USERNAME KEY -> an access token (15 minutes)
  curl -sf -X POST "$1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$2\", \"password\": \"$(password "$3")\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
gql() {  # gql URL TOKEN QUERY [PATH] -> the answer, or the value at PATH; stops on an error
  python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1]}))' "$3" |
    curl -s "$1/graphql" -H 'Content-Type: application/json' \
      -H "Authorization: Bearer $2" --data-binary @- |
    python3 -c '
import json, sys
answer = json.load(sys.stdin)
if answer.get("errors"):
    sys.exit("GraphQL error: " + json.dumps(answer["errors"], ensure_ascii=False))
value = answer["data"]
for key in (sys.argv[1].split(".") if len(sys.argv) > 1 else []):
    value = value[key]
print(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))' ${4:+"$4"}
}

# --- masuk / log in ------------------------------------------------------------------------
log_in_everyone() {
  OPERATOR_TOKEN=$(login "$NODE" "$OPERATOR" "$REGION/$OPERATOR")
  PENDAMPING_TOKEN=$(login "$NODE" "$PENDAMPING" "$REGION/$PENDAMPING")
  DINSOS_TOKEN=$(login "$NODE" "$DINSOS" "$REGION/$DINSOS")
  KEMENSOS_TOKEN=$(login "$GATEWAY" "$KEMENSOS" "gateway/$KEMENSOS")
  echo "masuk / logged in: $OPERATOR, $PENDAMPING, $DINSOS (node), $KEMENSOS (gateway)"
}

# --- 1. keluarga baru, dikenal Dukcapil / a new family the civil registry knows --------------
new_family() {  # sets NIK, KK, NAME, ID
  local serial kec=${DESA//./}
  serial=$(python3 -c 'import secrets; print(secrets.randbelow(8999) + 1000)')
  NIK="${kec:0:6}120380$serial"
  KK="${kec:0:6}010120$serial"
  NAME=$(python3 -c 'import secrets; print(secrets.choice(["Budi Santoso", "Agus Setiawan",
    "Dedi Kurniawan", "Yusuf Hidayat", "Asep Saepudin", "Rudi Hartono"]))')
  ID=$(python3 -c 'import uuid; print(uuid.uuid4())')
  siks sandbox-registry add --db "sqlite:///$DEMO/sandbox-registry.sqlite" \
    --nik "$NIK" --name "$NAME" --birth-date 1980-03-12 --sex male --kk "$KK"
  echo "keluarga / family: $NAME, NIK $NIK, KK $KK; usulan / proposal $ID"
}

# --- 2. operator desa: berita acara Musdes, usulan, kirim / minutes, proposal, submit -------
operator_proposes() {
  local content sha
  content=$(base64 < "$WALK/berita-acara-musdes.pdf" | tr -d '\n')
  sha=$(gql "$NODE" "$OPERATOR_TOKEN" "mutation { uploadAttachment(contentBase64: \"$content\",
    mediaType: \"application/pdf\", filename: \"berita-acara-musdes.pdf\") { sha256 } }" \
    uploadAttachment.sha256)
  gql "$NODE" "$OPERATOR_TOKEN" "mutation { createProposal(input: {id: \"$ID\",
    musdes: {heldOn: \"$(date +%F)\", minutesNumber: \"BA/01/$(date +%Y)\",
             minutesSha256: \"$sha\"},
    details: {newHousehold: {kkNumber: \"$KK\", desaCode: \"$DESA\", address: \"Jl. Contoh No. 1\",
      members: [{nik: \"$NIK\", name: \"$NAME\", birthDate: \"1980-03-12\", sex: MALE,
                 relationship: HEAD}]}}}) { id state } }"
  gql "$NODE" "$OPERATOR_TOKEN" "mutation { submitProposal(id: \"$ID\") {
    state nikChecks { nik outcome } } }"
}

# --- 3. pendamping: kunjungan lapangan dengan foto rumah / field visit with a house photo ----
pendamping_verifies() {
  local photo visit
  photo=$(curl -sf "$NODE/uploads/photo" -H "Authorization: Bearer $PENDAMPING_TOKEN" \
    -H 'X-SIKS-Upload: photo' -H 'Content-Type: image/jpeg' --data-binary @"$WALK/rumah.jpg" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["sha256"])')
  visit=$(python3 -c 'import uuid; print(uuid.uuid4())')
  gql "$NODE" "$PENDAMPING_TOKEN" "mutation { recordFieldVerification(input: {id: \"$visit\",
    photoSha256: \"$photo\", latitude: $LAT, longitude: $LON, proposalId: \"$ID\"}) { flags } }"
  gql "$NODE" "$PENDAMPING_TOKEN" "mutation { verifyProposal(id: \"$ID\") { state } }"
}

# --- 4. Dinas Sosial: pengesahan / approval (signed with the region's key, sent upward) -----
dinsos_approves() {
  gql "$NODE" "$DINSOS_TOKEN" "mutation { approveProposal(id: \"$ID\") { state } }"
}

# --- menunggu relay dan gateway / wait for the relay and the gateway ------------------------
wait_for_state() {  # wait_for_state STATE
  local state=""
  for _ in $(seq 1 90); do
    state=$(gql "$NODE" "$DINSOS_TOKEN" "{ proposal(id: \"$ID\") { state } }" proposal.state)
    if [ "$state" = "$1" ]; then echo "usulan / proposal $ID: $state"; return 0; fi
    sleep 1
  done
  echo "usulan masih / proposal still $state, bukan / not $1, setelah / after 90 s" >&2
  return 1
}

# --- 5. Kemensos, di gateway: penetapan atau pengembalian / at the gateway: decide ----------
kemensos_sees_waiting() {
  gql "$GATEWAY" "$KEMENSOS_TOKEN" "{ nationalRecordSummary(region: \"$REGION\") {
    region received determined returned }
    nationalRecords(filter: {region: \"$REGION\", state: RECEIVED}, first: 5) { totalCount
      edges { node { id kind desaName approvedBy musdes { minutesNumber } signerKid } } } }"
}
kemensos_determines() {  # kemensos_determines DECREE_NUMBER: the signed PDF's hash goes along
  local pdf
  pdf=$(sha256sum "$WALK/keputusan-mensos.pdf" | cut -d' ' -f1)
  gql "$GATEWAY" "$KEMENSOS_TOKEN" "mutation { determineRecords(input: {
    decreeNumber: \"$1\", decreeDate: \"$(date +%F)\", period: \"$(date +%Y-%m)\",
    pdfSha256: \"$pdf\", recordIds: [\"$ID\"]}) { region messageId } }"
}
kemensos_returns() {  # kemensos_returns REASON
  gql "$GATEWAY" "$KEMENSOS_TOKEN" "mutation { returnRecords(input: {
    recordIds: [\"$ID\"], reason: \"$1\"}) { region messageId } }"
}

operator_reads_notices() {  # what the operator desa is told (a return, a NIK anomaly)
  gql "$NODE" "$OPERATOR_TOKEN" "{ notifications(unreadOnly: true) {
    edges { node { topic proposalId message } } } }"
}

show_proposal() {
  gql "$NODE" "$DINSOS_TOKEN" "{ proposal(id: \"$ID\") { id state reason
    decree { number date pdfSha256 } history { action actor at } } }"
}
'''

GUIDE_TEMPLATE = """# Panduan: satu usulan dari draf sampai penetapan Kemensos
# Walkthrough: one proposal from draft to Kemensos' determination

Jalankan selagi `siks demo` berjalan, di terminal lain, dengan `bash`. Setiap langkah adalah
perintah yang diketik seseorang; GraphQL-nya bisa dibaca di `steps.sh`.
Run these while `siks demo` is running, in another terminal, in `bash`. Each step is a command
a person types; its GraphQL is in `steps.sh`.

Node {region}: {node} · gateway: {gateway} · desa {desa}

**0. Siapkan / set up** — load the steps and log in as the operator desa, the pendamping and
Dinas Sosial at the node, and Kemensos at the gateway (passwords from the demo's logins
file):

```bash
cd {folder} && source steps.sh && log_in_everyone
```

**1. Keluarga baru / a new family.** Dukcapil (the registry sandbox) knows the head of the
family; the proposal gets a fresh id:

```bash
new_family
```

**2. Operator desa** uploads the Musdes minutes, creates the new-household proposal and
submits it; the node checks the NIK with Dukcapil at once (`NIK_VALID`):

```bash
operator_proposes
```

**3. Pendamping** visits the house, uploads the photo with its GPS and records the visit,
then verifies (`VERIFIED`):

```bash
pendamping_verifies
```

**4. Dinas Sosial** approves (`APPROVED_KABKOTA`): the node signs the record with the region's
key and its relay delivers it over mutual TLS to the gateway's inbox (`RECEIVED_NATIONAL`):

```bash
dinsos_approves && wait_for_state RECEIVED_NATIONAL
```

**5. Kemensos**, logged in at the gateway, sees what waits (who approved it, the Musdes, the
certificate that signed it) and determines it by decree with the signed PDF's hash. The
gateway signs the decision; the node's relay fetches it and shows the proposal `DETERMINED`
with the decree:

```bash
kemensos_sees_waiting
kemensos_determines "146/HUK/2026" && wait_for_state DETERMINED && show_proposal
```

**6. Usulan kedua, dikembalikan / a second proposal, returned.** The same steps for another
family (the pendamping sends the same photo again: the node flags it `PHOTO_REUSED`), then
Kemensos returns it with a reason; the node shows `RETURNED` and the reason, and the
operator desa finds a notice saying why and what to do:

```bash
new_family && operator_proposes && pendamping_verifies && dinsos_approves
wait_for_state RECEIVED_NATIONAL
kemensos_returns "foto rumah sama dengan usulan lain" && wait_for_state RETURNED && show_proposal
operator_reads_notices
```
"""
