"""Pick the form of an offline work package: XLSX (a ZIP file) or JSON."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from regional_node.adapters import offline_json, offline_xlsx
from regional_node.domain.offline_package import ExportedPackage, WorkPackage
from regional_node.errors import PackageError


class PackageFormat(StrEnum):
    XLSX = "XLSX"
    JSON = "JSON"

    @classmethod
    def of_path(cls, path: Path) -> PackageFormat:
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            return cls.XLSX
        if suffix == ".json":
            return cls.JSON
        raise PackageError(f"{path.name}: a work package is a .xlsx or a .json file")


def sniff(content: bytes) -> PackageFormat:
    return PackageFormat.XLSX if content[:4] == b"PK\x03\x04" else PackageFormat.JSON


def write(exported: ExportedPackage, form: PackageFormat) -> bytes:
    if form is PackageFormat.XLSX:
        return offline_xlsx.write_workbook(exported)
    return offline_json.dump(offline_json.package_document(exported))


def read(content: bytes) -> tuple[WorkPackage, PackageFormat]:
    form = sniff(content)
    if form is PackageFormat.XLSX:
        return offline_xlsx.read_workbook(content), form
    return offline_json.read_package(content), form
