"""Resolve files as CRMs and spreadsheets export them, with ``omnilink resolve``.

Run it: ``python examples/resolve_export.py``. No network: it writes two exports to a temporary
folder, a CRM report (a title above the header, semicolons, Windows-1252 text) and a JSON dump of
web sign-ups, resolves each with the command, and prints who is who and what was refused.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

# A CRM report as Excel saves it in much of Europe: a title and a date above the header,
# semicolons between fields, Windows-1252 text. Names carry letters after them and pronouns,
# emails a display name, phones a label; the country is written out; Excel wrote the customer
# numbers of 12 digits as it does when the column is not text (one of them cut to 6 digits).
CRM_REPORT = """\
Contacts report
Exported 2026-12-06 by admin

Contact ID;Full Name;Email;Mobile Phone;Country;Customer Number
c-1;José Núñez, CPA;Núñez, José <jose.nunez@gmail.com>;612 58 90 31 mobile;España;1.23456789012E+11
c-2;José Núñez;jose.nunez@gmial.com;;Spain;123456789012
c-3;Marie Dupont (she/her);marie.dupont@orange.fr.;06 48 27 93 15;France;4.56789E+11
c-4;Dupont, Marie;;+33 6 48 27 93 15;FR;
c-5;Pieter van der Berg;;0031 6 4827 9315;Netherlands;
c-6;Pieter Vanderberg;p.vanderberg@ziggo.nl;+31 6 4827 9315;NLD;
"""

# Web sign-ups as an API returns them: the records in an array beside paging information.
SIGNUPS = {
    "data": [
        {"id": "w-1", "traits": {"name": "Pepe Núñez", "email": "JOSE.NUNEZ@gmail.com", "country": "ES"}},
        {"id": "w-2", "traits": {"name": "Sasha Petrova", "phone": "447911123456", "country": "USA"}},
        {"id": "w-3", "traits": {"name": "Alexandra Petrova", "phone": "+44 7911 123456", "country": "GB"}},
    ],
    "paging": {"next": None},
}


def resolve(folder: Path, name: str, *options: str) -> dict[str, list[str]]:
    """Run ``omnilink resolve`` on ``folder/name``; the records of each profile, and the rejects."""
    out = folder / f"{Path(name).stem}.profiles.csv"
    command = [sys.executable, "-m", "omnilink", "resolve", str(folder / name), "-o", str(out), *options]
    subprocess.run(command, check=True, capture_output=True, text=True)
    profiles: dict[str, list[str]] = {}
    with out.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            profiles.setdefault(row["profile_id"], []).append(next(iter(row.values())))
    with (folder / f"{Path(name).stem}.profiles.rejects.csv").open(newline="", encoding="utf-8") as fh:
        rejects = [
            f"  {r['id'] or 'line ' + r['line']}: {r['field'] + ' ' if r['field'] else ''}"
            f"{r['value']!r}: {r['reason']}"
            for r in csv.DictReader(fh)
        ]
    return {"people": [", ".join(ids) for ids in profiles.values()], "rejects": rejects}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "crm_report.csv").write_text(CRM_REPORT, encoding="cp1252")
        (folder / "signups.json").write_text(json.dumps(SIGNUPS), encoding="utf-8")
        for name, options in (
            # "Contact ID" is read as the id column by its name: no --id-column needed.
            ("crm_report.csv", ("--encoding", "cp1252", "--region-column", "Country")),
            ("signups.json", ("--region", "US", "--region-column", "traits.country")),
        ):
            got = resolve(folder, name, *options)
            print(f"{name}: {len(got['people'])} people")
            for ids in sorted(got["people"]):
                print(f"  {ids}")
            print("refused or noted:")
            print("\n".join(got["rejects"]) or "  nothing")


if __name__ == "__main__":
    main()
