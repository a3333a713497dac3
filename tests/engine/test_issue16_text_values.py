"""Issue 16, "text columns may declare allowed values": `type: {text: [new, expansion,
renewal]}`. An unlisted value in the data is an error at FILE:ROW; a rule comparing the
column with an unlisted text is an error at the text's position; the model exposes the
values (for the portal's estimator) and the JSON schema describes the form."""
from decimal import Decimal as D

import pytest

from compplan.engine import load_plan, run_files
from compplan.errors import CompplanError
from compplan.lang import check_file
from compplan.lang.model import json_schema

PLAN = """plan: typed-texts
name: Deal types
period: quarter
currency: USD
inputs:
  deals:
    key: deal_id
    payee: rep_id
    date: close_date
    columns: {amount: money, type: {text: [new, expansion, renewal]}}
credits:
  sales: {from: deals, value: amount * (50% if type == "renewal" else 100%)}
measures:
  booked: sum(sales)
earnings:
  commission: {each: sales, value: amount * 10%}
"""


def _files(tmp_path, plan=PLAN,
           deals="D1,ann,2026-01-10,1000,new\nD2,ann,2026-02-10,2000,renewal\n"):
    (tmp_path / "plan.yaml").write_text(plan)
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount,type\n" + deals)
    return tmp_path / "plan.yaml", data


def test_issue16_listed_text_values_run(tmp_path):
    plan, data = _files(tmp_path)
    ann = run_files(plan, data, "2026-Q1").payee("ann")
    # booked: D1 new 1,000.00 in full + D2 renewal 2,000.00 at 50% = 2,000.00;
    # commission 10% of each deal's amount: 100.00 + 200.00 = 300.00
    assert ann.measure_values["booked"] == D("2000")
    assert ann.total == D("300.00")
    assert load_plan(plan).plan.inputs["deals"].allowed_values == {
        "type": ("new", "expansion", "renewal")}


def test_issue16_an_unlisted_value_is_a_data_error_at_file_row(tmp_path):
    plan, data = _files(tmp_path, deals="D1,ann,2026-01-10,1000,new\n"
                                        "D2,ann,2026-02-10,2000,Renewl\n"
                                        "D3,ann,2026-02-11,2000,upsell\n")
    with pytest.raises(CompplanError) as e:
        run_files(plan, data, "2026-Q1")
    assert [(p.where, p.text, p.hint) for p in e.value.problems] == [
        (f"{data / 'deals.csv'}:3", "column type: 'Renewl' is not one of new, expansion, "
         "renewal", "did you mean 'renewal'?"),
        (f"{data / 'deals.csv'}:4", "column type: 'upsell' is not one of new, expansion, "
         "renewal", "correct it, or add it to the values of inputs.deals.columns.type")]


def test_issue16_a_rule_comparing_with_an_unlisted_text_is_an_error_at_its_place(tmp_path):
    text = PLAN.replace('type == "renewal"', 'type == "renewl"').replace(
        "commission: {each: sales, value: amount * 10%}",
        'commission:\n    each: sales\n    value: amount * 10%\n'
        '    when: type in ["new", "upsell"]')
    plan, _ = _files(tmp_path, plan=text)
    found = [(p.line, p.col, p.message, p.hint)
             for p in check_file(plan).problems.errors]
    assert found == [
        (12, 56, "'renewl' is not one of the values of type: new, expansion, renewal",
         "did you mean 'renewal'?"),
        (19, 27, "'upsell' is not one of the values of type: new, expansion, renewal",
         "add it to inputs.deals.columns.type, or correct it")]


def test_issue16_the_json_schema_describes_listed_values():
    [cols] = json_schema()["$defs"]["Input"]["properties"]["columns"][
        "patternProperties"].values()
    assert {"$ref": "#/$defs/TextValues"} in cols["anyOf"]
