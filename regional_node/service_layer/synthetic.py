"""Synthetic DTKS households for any kab/kota: pure generation, no storage.

Households are spread over the region's real desa (:mod:`synthetic_layout`), have plausible
family structures and Indonesian names with a regional flavour (:mod:`synthetic_names`), and
attributes drawn by welfare decile (:mod:`synthetic_tables`). NIK and KK numbers carry the
household's kecamatan, the birth (or issue) date and serials allocated per kecamatan and date,
so they are valid and unique across one generated set.

Deterministic: the same seed, region and count give the same households, byte for byte. All
randomness comes from one ``random.Random`` seeded from (seed, region); dates are relative to
the fixed :data:`REFERENCE_DATE`, never the clock.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right as bisect
from collections.abc import Iterator
from dataclasses import dataclass

from regional_node.domain.records import HouseholdRecord, MemberRecord, ProgramRecord
from regional_node.service_layer.synthetic_layout import DesaSite, RegionLayout, region_layout
from regional_node.service_layer.synthetic_names import (
    BALI_ORDER_MALE,
    BALI_ORDER_MALE_ALT,
    MODERN_SECOND_FEMALE,
    MODERN_SECOND_MALE,
    NameStyle,
    Scheme,
    name_styles,
)
from regional_node.service_layer.synthetic_tables import (
    BLT_DESA_RATE,
    BPNT_RATE,
    DISABILITY_PICKER,
    DISABILITY_RATE,
    DISABILITY_RATE_ELDERLY,
    NOT_WORKING,
    PBI_JK_RATE,
    PIP_RATE,
    PKH_RATE,
    RUTILAHU_RATE,
    STUDENT,
    DesilTables,
    Picker,
    cumulative,
    desil_picker,
    desil_tables,
)
from schema.enums import (
    Disability,
    Education,
    FloorMaterial,
    HouseholdStatus,
    MatchStatus,
    Program,
    Relationship,
    WallMaterial,
)
from schema.errors import InvalidInput
from schema.identity_numbers import Sex

REFERENCE_DATE = dt.date(2026, 1, 1)  # "today" of the generated data
PERIOD = "2026-S1"  # the DTKS period program memberships are recorded for
OLDEST_BIRTH = dt.date(1936, 1, 1)  # keeps two-digit NIK years unambiguous
EARLIEST_KK = dt.date(2008, 1, 1)
MAX_HOUSEHOLDS = 5_000_000
SERIAL_RANGES, SERIAL_RANGE = 49, 200  # seed s numbers from 1 + (s mod 49) * 200 upwards
_YEAR = 365.2425
_REF = REFERENCE_DATE.toordinal()
_MODERN_NAMES_FROM = dt.date(1996, 1, 1).toordinal()  # most born since get a modern name
_PROGRAM_STARTS = tuple(dt.date(2018 + k // 2, 1 if k % 2 == 0 else 7, 1) for k in range(17))

_SCHOOL_BY_AGE = (Education.NONE,) * 7 + (Education.SD,) * 6 + (Education.SMP,) * 3 \
    + (Education.SMA,) * 3  # index: age 0..18
_DEGREES = (Education.BACHELOR, Education.POSTGRADUATE)
_HOMEMAKER = "Mengurus Rumah Tangga"

# Family shapes and their shares: most households are a couple with children.
_NUCLEAR, _COUPLE, _SINGLE_MOTHER, _SINGLE_FATHER, _ELDERLY_ALONE, _YOUNG_ALONE, _EXTENDED, \
    _THREE_GENERATIONS = range(8)
_SHAPES = Picker(tuple(range(8)), cumulative((0.60, 0.08, 0.08, 0.02, 0.04, 0.02, 0.09, 0.07)))

# Family-name lines inside one household (for regions with marga / fam).
_HEAD_LINE, _SPOUSE_LINE, _IN_LAW_LINE, _ABSENT_FATHER_LINE, _OTHER_LINE = range(5)


@dataclass(slots=True)
class _Person:
    relationship: Relationship
    female: bool
    age: float  # years on REFERENCE_DATE
    line: int  # whose family name they carry
    order: int  # birth order among siblings (Balinese names)


def generate_households(region: str, households: int | None = None, seed: int = 42
                        ) -> Iterator[HouseholdRecord]:
    """Households for kab/kota ``region``; by default as many as its population suggests
    (population / 3.5). Lazy: records are produced one at a time, desa by desa."""
    layout = region_layout(region)
    count = layout.household_count if households is None else households
    if not 0 <= count <= MAX_HOUSEHOLDS:
        raise InvalidInput(f"households must be between 0 and {MAX_HOUSEHOLDS:,}, got {count}",
                           reason="out_of_range", field="households")
    return _Generator(layout, seed).run(count)


class _Generator:
    def __init__(self, layout: RegionLayout, seed: int) -> None:
        self.layout = layout
        self.rng = random.Random(f"siks-seed:{seed}:{layout.code}")
        self.styles = name_styles(layout.province_code)
        self.style: NameStyle = self.styles[0]  # of the current household
        self.desil_urban, self.desil_rural = desil_picker(True), desil_picker(False)
        self.tables = {(d, u): desil_tables(d, u) for d in range(1, 11) for u in (True, False)}
        self.date_digits: dict[int, tuple[str, str, dt.date]] = {}
        # Serials start in a range chosen by the seed, so that nearby seeds loaded into the
        # same database do not collide: the last serial used per key, default the range start.
        self.first_serial = 1 + (seed % SERIAL_RANGES) * SERIAL_RANGE
        self.nik_serials: dict[int, int] = {}
        self.kk_serials: dict[int, int] = {}
        self.kecamatan = ""
        self.youngest_born = 0

    def run(self, count: int) -> Iterator[HouseholdRecord]:
        for site, n in zip(self.layout.desa, self.layout.allocate(count), strict=True):
            if site.kecamatan_code != self.kecamatan:  # serials are per kecamatan
                self.kecamatan = site.kecamatan_code
                self.nik_serials.clear()
                self.kk_serials.clear()
            for _ in range(n):
                yield self.household(site)

    # -- one household -------------------------------------------------------------------

    def household(self, site: DesaSite) -> HouseholdRecord:
        # Hot path (≥ 20,000 households/s): picks are inlined as values[bisect(cumulative, u)].
        r = self.rng.random
        desil_picker = self.desil_urban if site.urban else self.desil_rural
        desil = desil_picker.values[bisect(desil_picker.cumulative, r())]
        t = self.tables[desil, site.urban]
        people = self.compose(t)
        members = self.members(people, site, t, desil)
        floor = t.floor.values[bisect(t.floor.cumulative, r())]
        wall = t.wall.values[bisect(t.wall.cumulative, r())]
        area = t.area_per_person * len(members) ** 0.85 * self.rng.lognormvariate(0, 0.3)
        spread = site.spread
        return HouseholdRecord(
            kk_number=self.kk_number(site, members),
            desa_code=site.code,
            address=self.address(site),
            members=members,
            latitude=round(site.latitude + (r() + r() - 1.0) * spread, 6),
            longitude=round(site.longitude + (r() + r() - 1.0) * spread, 6),
            floor_material=floor,
            wall_material=wall,
            roof_material=t.roof.values[bisect(t.roof.cumulative, r())],
            floor_area_m2=float(round(min(400.0, max(12.0, area)))),
            tenure=t.tenure.values[bisect(t.tenure.cumulative, r())],
            drinking_water=t.water.values[bisect(t.water.cumulative, r())],
            lighting=t.lighting.values[bisect(t.lighting.cumulative, r())],
            cooking_fuel=t.fuel.values[bisect(t.fuel.cumulative, r())],
            toilet=t.toilet.values[bisect(t.toilet.cumulative, r())],
            assets=tuple([asset for asset, p in t.assets if r() < p]),
            desil=desil,
            status=HouseholdStatus.ACTIVE if r() < 0.98 else HouseholdStatus.PROPOSED,
            programs=self.programs(people, members, desil, site.urban, floor, wall),
        )

    def compose(self, tables: DesilTables) -> list[_Person]:
        """Who lives together: relationships, sexes and ages."""
        rng, r = self.rng, self.rng.random
        tri = rng.triangular
        shape = _SHAPES.pick(r())
        children = tables.children.pick(r())
        if shape in (_NUCLEAR, _EXTENDED, _COUPLE):
            old = shape == _COUPLE and r() < 0.5
            wife = tri(50, 85, 62) if old else tri(19, 32, 24) if shape == _COUPLE \
                else tri(19, 58, 31)
            husband = min(89.0, max(18.0, wife + tri(-3, 12, 4)))
            people = [_Person(Relationship.HEAD, False, husband, _HEAD_LINE, 0),
                      _Person(Relationship.SPOUSE, True, wife, _SPOUSE_LINE, 0)]
            if shape != _COUPLE:
                people += self.children(wife, children, _HEAD_LINE, Relationship.CHILD)
            if shape == _EXTENDED:
                people += self.parents(husband, wife)
        elif shape in (_SINGLE_MOTHER, _SINGLE_FATHER):
            female = shape == _SINGLE_MOTHER
            age = tri(24, 65, 38)
            mother_age = age if female else max(19.0, age - tri(-3, 12, 4))
            line = _ABSENT_FATHER_LINE if female else _HEAD_LINE
            people = [_Person(Relationship.HEAD, female, age, _HEAD_LINE, 0)]
            people += self.children(mother_age, max(1, children), line, Relationship.CHILD)
        elif shape == _ELDERLY_ALONE:
            people = [_Person(Relationship.HEAD, r() < 0.7, tri(60, 89, 72), _HEAD_LINE, 0)]
        elif shape == _YOUNG_ALONE:
            people = [_Person(Relationship.HEAD, r() < 0.4, tri(19, 45, 26), _HEAD_LINE, 0)]
        else:
            people = self.three_generations(tables)
        if r() < 0.03:
            people.append(_Person(Relationship.OTHER_RELATIVE, r() < 0.5, tri(3, 30, 15),
                                  _OTHER_LINE, 0))
        return people

    def children(self, mother_age: float, count: int, line: int, relationship: Relationship
                 ) -> list[_Person]:
        """Children still at home: the eldest born when the mother was 18-32, then every
        1.5-6 years; those over 25 have mostly left."""
        tri, r = self.rng.triangular, self.rng.random
        found: list[_Person] = []
        age = mother_age - tri(18, 32, 22)
        for order in range(1, count + 1):
            if age < 0:
                break
            if age <= 25 or (age <= 32 and r() < 0.4):
                found.append(_Person(relationship, r() < 0.5, age, line, order))
            age -= tri(1.5, 6, 3)
        return found

    def parents(self, husband: float, wife: float) -> list[_Person]:
        """A widowed parent (sometimes both) of the head or of the spouse."""
        tri, r = self.rng.triangular, self.rng.random
        own = r() < 0.6
        child_age = husband if own else wife
        relationship = Relationship.PARENT if own else Relationship.PARENT_IN_LAW
        mother = child_age + tri(18, 35, 24)
        found = []
        if mother < 89:
            found.append(_Person(relationship, True, mother, _OTHER_LINE, 0))
            father = mother + tri(0, 10, 4)
            if father < 89 and r() < 0.35:
                line = _HEAD_LINE if own else _SPOUSE_LINE
                found.append(_Person(relationship, False, father, line, 0))
        if not found:
            found.append(_Person(Relationship.OTHER_RELATIVE, r() < 0.5, tri(5, 25, 15),
                                 _OTHER_LINE, 0))
        return found

    def three_generations(self, tables: DesilTables) -> list[_Person]:
        """An older couple, a married child with their spouse and children, and sometimes
        unmarried younger children."""
        tri, r = self.rng.triangular, self.rng.random
        husband = tri(48, 78, 58)
        wife = max(40.0, husband - tri(-2, 10, 4))
        child_age = max(19.0, wife - tri(18, 30, 22))
        son = r() < 0.5
        in_law = max(18.0, child_age + (tri(-3, 10, 3) if son else -tri(-3, 10, 3)))
        people = [_Person(Relationship.HEAD, False, husband, _HEAD_LINE, 0),
                  _Person(Relationship.SPOUSE, True, wife, _SPOUSE_LINE, 0),
                  _Person(Relationship.CHILD, not son, child_age, _HEAD_LINE, 1),
                  _Person(Relationship.CHILD_IN_LAW, son, in_law, _IN_LAW_LINE, 0)]
        for order in range(2, 2 + int(r() * 3)):
            younger = child_age - tri(2, 12, 4)
            if younger > 5:
                people.append(_Person(Relationship.CHILD, r() < 0.5, younger, _HEAD_LINE, order))
        mother = in_law if son else child_age
        line = _HEAD_LINE if son else _IN_LAW_LINE
        grandchildren = self.children(mother, min(3, max(1, tables.children.pick(r()))), line,
                                      Relationship.GRANDCHILD)
        return people + grandchildren

    # -- people ---------------------------------------------------------------------------

    def members(self, people: list[_Person], site: DesaSite, t: DesilTables, desil: int
                ) -> list[MemberRecord]:
        r = self.rng.random
        styles = self.styles
        self.style = styles[int(r() * len(styles))] if len(styles) > 1 else styles[0]
        families = self.family_names() if self.style.scheme in (Scheme.FAMILY, Scheme.BATAK) \
            else ()
        bali_alt = r() < 0.5
        student_rate = 0.1 + 0.05 * desil
        members = []
        serials, date_digits, kecamatan = self.nik_serials, self.date_digits, site.kecamatan_digits
        first = self.first_serial - 1
        youngest = 0
        for person in people:
            female = person.female
            born = _REF - 1 - int(person.age * _YEAR)  # ages are 0..89: within NIK range
            # NIK serials are allocated per kecamatan, birth date and sex (method nik())
            serial = serials.get(born * 2 + female, first) + 1
            if serial <= 9999:
                serials[born * 2 + female] = serial
                digits = date_digits.get(born) or self.digits(born)
                nik = f"{kecamatan}{digits[female]}{serial:04d}"
            else:
                born, nik = self.nik(kecamatan, born, female)
                digits = date_digits[born]
            if born > youngest:
                youngest = born
            age = int((_REF - born) / _YEAR)
            # education: school by age for children, by desil (and generation) for adults
            if age <= 18:
                education = _SCHOOL_BY_AGE[age]
            else:
                table = t.education_elderly if age >= 55 else t.education
                education = table.values[bisect(table.cumulative, r())]
                if age < 23 and education in _DEGREES:
                    education = Education.SMA
            # occupation
            if age < 5:
                occupation = NOT_WORKING
            elif age <= 18 or (age <= 22 and r() < student_rate):
                occupation = STUDENT
            else:
                table_o = t.occupation_elderly if age >= 65 else \
                    t.occupation_female if female else t.occupation_male
                occupation = table_o.values[bisect(table_o.cumulative, r())]
                if occupation == _HOMEMAKER and not female:
                    occupation = NOT_WORKING
            disability = Disability.NONE
            if r() < (DISABILITY_RATE_ELDERLY if age >= 60 else DISABILITY_RATE):
                disability = DISABILITY_PICKER.values[bisect(DISABILITY_PICKER.cumulative, r())]
            members.append(MemberRecord(
                nik, self.name(person, born, families, bali_alt), digits[2],
                Sex.FEMALE if female else Sex.MALE, person.relationship, education, occupation,
                disability, True, MatchStatus.MATCH if r() < 0.97 else MatchStatus.UNCHECKED))
        self.youngest_born = youngest
        return members

    def nik(self, kecamatan_digits: str, born: int, female: bool) -> tuple[int, str]:
        """The next free NIK for this kecamatan, birth date and sex (moving the birth date a
        day earlier in the unlikely case that 9,999 serials are used up)."""
        serials = self.nik_serials
        while True:
            key = born * 2 + female
            serial = serials.get(key, self.first_serial - 1) + 1
            if serial <= 9999:
                serials[key] = serial
                digits = self.date_digits.get(born) or self.digits(born)
                return born, f"{kecamatan_digits}{digits[female]}{serial:04d}"
            born -= 1

    def digits(self, ordinal: int) -> tuple[str, str, dt.date]:
        """``DDMMYY`` for men, ``(DD+40)MMYY`` for women and the date, cached per date."""
        day = dt.date.fromordinal(ordinal)
        tail = f"{day.month:02d}{day.year % 100:02d}"
        cached = self.date_digits[ordinal] = (f"{day.day:02d}{tail}", f"{day.day + 40:02d}{tail}",
                                              day)
        return cached

    def family_names(self) -> list[str]:
        family, rng = self.style.family, self.rng
        return [family[int(rng.random() * len(family))] for _ in range(5)]

    def name(self, person: _Person, born: int, families: tuple[str, ...] | list[str],
             bali_alt: bool) -> str:
        style, r = self.style, self.rng.random
        female = person.female
        modern = born >= _MODERN_NAMES_FROM and r() < 0.7
        pool = (style.modern_female if female else style.modern_male) if modern \
            else style.female if female else style.male
        given = pool[int(r() * len(pool))]
        if style.scheme is Scheme.BALI:
            orders = BALI_ORDER_MALE_ALT if bali_alt else BALI_ORDER_MALE
            order = person.order or 1 + int(r() * 4)
            return f"{'Ni' if female else 'I'} {orders[(order - 1) % 4]} {given}"
        if style.scheme is Scheme.TWO_PART:
            seconds = (MODERN_SECOND_FEMALE if female else MODERN_SECOND_MALE) if modern \
                else style.second_female if female else style.second_male
            if r() < 0.6 and seconds:
                second = seconds[int(r() * len(seconds))]
                if second != given:
                    return f"{given} {second}"
            return given
        family = families[person.line]
        if style.scheme is Scheme.BATAK and female:
            return f"{given} br. {family}"
        return f"{given} {family}"

    # -- household numbers and places -----------------------------------------------------

    def kk_number(self, site: DesaSite, members: list[MemberRecord]) -> str:
        """Issued by the kecamatan after the youngest member's birth (a KK is re-issued when
        the family changes) and after the head turned 17, not before 2008."""
        youngest = self.youngest_born  # set by members()
        head_adult = members[0].birth_date.toordinal() + int(17 * _YEAR)
        low = min(_REF - 1, max(youngest, head_adult, EARLIEST_KK.toordinal()))
        issued = low + int(self.rng.random() * (_REF - low))
        while True:
            serial = self.kk_serials.get(issued, self.first_serial - 1) + 1
            if serial <= 9999:
                self.kk_serials[issued] = serial
                digits = self.date_digits.get(issued) or self.digits(issued)
                return f"{site.kecamatan_digits}{digits[0]}{serial:04d}"
            issued -= 1

    def address(self, site: DesaSite) -> str:
        r = self.rng.random
        place = site.streets[int(r() * len(site.streets))]
        rt, rw = 1 + int(r() * 12), 1 + int(r() * site.rw_count)
        if site.urban:
            return f"Jl. {place} No. {1 + int(r() * 150)}, RT {rt:03d}/RW {rw:03d}"
        return f"Dusun {place}, RT {rt:03d}/RW {rw:03d}"

    # -- programs -------------------------------------------------------------------------

    def programs(self, people: list[_Person], members: list[MemberRecord], desil: int,
                 urban: bool, floor: FloorMaterial, wall: WallMaterial) -> list[ProgramRecord]:
        """Enrolments, likelier the poorer the household. PKH needs a 'component' (a child,
        an elderly or a disabled member); PBI-JK and PIP are per person."""
        r = self.rng.random
        i = desil - 1
        found: list[ProgramRecord] = []

        def start() -> dt.date:
            return _PROGRAM_STARTS[int(r() * len(_PROGRAM_STARTS))]

        component = any(p.age < 21 or p.age >= 60 for p in people) or any(
            m.disability is not Disability.NONE for m in members)
        pkh = component and r() < PKH_RATE[i]
        if pkh:
            found.append(ProgramRecord(Program.PKH, PERIOD, start()))
        if r() < (0.9 if pkh else BPNT_RATE[i]):
            found.append(ProgramRecord(Program.BPNT, PERIOD, start()))
        if not urban and r() < BLT_DESA_RATE[i]:
            found.append(ProgramRecord(Program.BLT, PERIOD, start()))
        if desil <= 3 and (floor is FloorMaterial.EARTH or wall is WallMaterial.WOVEN_BAMBOO) \
                and r() < RUTILAHU_RATE:
            found.append(ProgramRecord(Program.RUTILAHU, PERIOD, start()))
        if r() < PBI_JK_RATE[i]:
            since = start()
            found += [ProgramRecord(Program.PBI_JK, PERIOD, since, m.nik) for m in members]
        if pkh:
            for member in members:
                if member.occupation == STUDENT and member.education is not Education.NONE \
                        and r() < PIP_RATE:
                    found.append(ProgramRecord(Program.PIP, PERIOD, start(), member.nik))
        return found
