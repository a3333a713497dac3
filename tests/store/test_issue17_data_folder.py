"""Issue 17 item 2: a plan's `file:` stays inside its data folder, and the store never
writes into a folder it did not make.

`file: ../../../tmp/x/deals.csv` and `/etc/hostname` used to check clean and be read;
`verify` wrote a run's stored data back over the outside file.
"""
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from compplan.cli.main import cli
from compplan.diff.verify import verify
from compplan.engine import load_plan
from compplan.lang import check_source
from compplan.store import lifecycle
from compplan.store.models import PlanVersion, Run

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "plans" / "textbook.yaml"
DATA = ROOT / "plans" / "data" / "textbook"
# the deals input's first line (its label follows on the next)
DEALS = "  deals:  {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money},"


def with_deals_file(file: str) -> str:
    text = PLAN.read_text()
    assert DEALS in text
    return text.replace(DEALS, DEALS + f" file: '{file}',")


@pytest.fixture
def outside():
    """A folder beside the temporary folders the store works in, with a deals file
    that must not be read or written: (folder, its name relative to a temp folder)."""
    folder = Path(tempfile.gettempdir()) / f"compplan-outside-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    (folder / "deals.csv").write_text("deal_id,rep_id,close_date,amount\nX,ann,2026-01-02,1\n")
    yield folder, f"../{folder.name}/deals.csv"
    shutil.rmtree(folder)


@pytest.mark.parametrize("file, why", [
    ("../../../tmp/x/deals.csv", "climbs out of the data folder with '..'"),
    ("/etc/hostname", "is an absolute path"),
    ("exports/../../deals.csv", "climbs out of the data folder with '..'"),
])
def test_issue17_item2_check_refuses_a_file_outside_the_data_folder(file, why):
    text = with_deals_file(file)
    c = check_source(text, "plan.yaml")
    [p] = [p for p in c.problems.errors if p.code == "file-outside"]
    line = next(i for i, ln in enumerate(text.split("\n"), 1) if "file:" in ln)
    col = text.split("\n")[line - 1].index("'" + file) + 1
    assert (p.line, p.col) == (line, col)  # at the value of `file:`
    assert p.message == f"the file '{file}' of input 'deals' {why}"
    assert "inside the data folder" in p.hint


def test_issue17_item2_a_file_in_a_subfolder_still_checks():
    assert check_source(with_deals_file("exports/deals.csv"), "plan.yaml").ok
    assert check_source(with_deals_file("exports/../deals.csv"), "plan.yaml").ok


def test_issue17_item2_a_symlink_out_of_the_folder_is_not_read(tmp_path, outside):
    folder, _ = outside
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "deals.csv").unlink()
    os.symlink(folder / "deals.csv", data / "deals.csv")
    r = CliRunner().invoke(cli, ["validate", str(PLAN), "--data", str(data), "--period",
                                 "2026-Q1"])
    assert r.exit_code == 1, r.output
    assert "input 'deals': the file 'deals.csv' leads outside the data folder" in r.output
    assert "Traceback" not in r.output


def test_issue17_item2_run_save_of_an_escaping_plan_reads_and_writes_nothing(tmp_path,
                                                                            outside):
    folder, rel = outside
    before = (folder / "deals.csv").read_bytes()
    plan = tmp_path / "plan.yaml"
    plan.write_text(with_deals_file(f"../{rel}"))  # from the data folder: ../../outside
    r = CliRunner().invoke(cli, ["run", str(plan), "--data", str(DATA), "--period", "2026-Q1",
                                 "--save", "--db", f"sqlite:///{tmp_path / 'c.db'}"])
    assert r.exit_code == 1 and "climbs out of the data folder" in r.output, r.output
    assert (folder / "deals.csv").read_bytes() == before


def test_issue17_item2_verify_never_writes_outside_its_own_folder(store, outside):
    """A run stored from a plan of before this check (its text edited here to name the
    outside file): verify refuses it and the outside file is left as it was."""
    folder, rel = outside
    before = (folder / "deals.csv").read_bytes()
    saved = lifecycle.save_run(store, load_plan(PLAN), DATA, "2026-Q1", "fin")
    with store.session() as s:
        run = s.get(Run, saved.run.id)
        s.execute(update(PlanVersion).where(PlanVersion.id == run.plan_version_id)
                  .values(text=with_deals_file(rel)))
        s.commit()
        out = verify(s, saved.run.id)
    assert not out.identical
    assert any(p.code == "file-outside" for p in out.problems), out.problems
    assert (folder / "deals.csv").read_bytes() == before
