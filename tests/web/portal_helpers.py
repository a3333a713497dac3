"""What the portal's tests share (a module of its own name: test modules import it,
while every folder's conftest.py is a module named `conftest`)."""
import os
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
PASSWORDS = {"ana": "ana-password", "ann": "ann-password", "max": "max-password",
             "admin": "admin-password", "finance": "finance-password",
             # the field sample's target round (issue 19)
             "rita": "rita-password", "sid": "sid-password", "tom": "tom-password",
             "mia": "mia-password", "noah": "noah-password"}
PG_URL = os.environ.get("COMPPLAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class Web:
    store: object
    app: object
    token: str

    def client(self, login: str | None = None) -> TestClient:
        c = TestClient(self.app, raise_server_exceptions=False)
        if login:
            log_in(c, login, PASSWORDS[login])
        return c

    @property
    def portal(self):
        return self.app.state.portal


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def log_in(c: TestClient, login: str, password: str):
    page = c.get("/login")
    return c.post("/login", data={"login": login, "password": password, "next": "/",
                                  "csrf": csrf_of(page.text)}, follow_redirects=False)


def post_form(c: TestClient, page_url: str, action: str, data: dict, **kw):
    """Submit a form as a browser would: the CSRF token from the page it is on."""
    page = c.get(page_url)
    assert page.status_code == 200, page.text[:300]
    return c.post(action, data={**data, "csrf": csrf_of(page.text)}, **kw)


def post_confirmed(c: TestClient, run: int, action: str, **kw):
    """Approve or pay a run as finance does (issue 15): through its confirmation page,
    whose form names the run's total and payee count."""
    page = c.get(f"/runs/{run}/review/confirm", params={"action": action})
    if page.status_code != 200:
        return page
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    return c.post(f"/admin/runs/{run}/{action}", data=fields, **kw)
