#!/usr/bin/env python3
"""The web console in a real browser: Debian's chromium driven by Selenium (chromium-driver), against a real
jitsudod (the built binary), the test PostgreSQL (JITSUDO_TEST_DATABASE_URL, from scripts/with-test-postgres.sh)
and oidc-provider-mock. Two people in two browsers: alice requests, bob approves, alice sees ACTIVE; bob denies with a
comment; mallory sees no buttons and her forged POST is refused (403, nothing changes); a `<script>` reason shows as
text; a form without its CSRF token is refused; the session cookie is HttpOnly, Secure and SameSite=Strict.

Prints swift-testing's lines, so scripts/run-tests.sh counts it as a group. With --screenshots DIR it also saves the
main pages as PNG (docs/images/ holds the committed ones: `make console-screenshots`).
"""

import argparse
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ELIGIBILITY = """package jitsudo.eligibility

allow if "sre" in input.user.groups

reason := "only sre may request roles" if not allow
"""

APPROVAL = """package jitsudo.approval

allow if "sre-leads" in input.user.groups

reason := "only sre-leads may approve" if not allow
"""

PEOPLE = {
    "alice": ("alice@example.com", ["sre"]),
    "bob": ("bob@example.com", ["sre-leads"]),
    "mallory": ("mallory@example.com", ["interns"]),
    "root": ("root@example.com", ["jitsudo-admins"]),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None, form=None):
    data = None
    headers = dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def wait_for(what, check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Stack:
    """PostgreSQL database, oidc-provider-mock and jitsudod, started in that order and stopped in reverse."""

    def __init__(self):
        self.processes = []
        self.directory = tempfile.mkdtemp(prefix="jitsudo-console-browser-")

    def start(self):
        admin_url = os.environ.get("JITSUDO_TEST_DATABASE_URL")
        if not admin_url:
            raise AssertionError("JITSUDO_TEST_DATABASE_URL is not set: run under scripts/with-test-postgres.sh")
        database = f"console_browser_{os.getpid()}"
        subprocess.run(["psql", admin_url, "-q", "-c", f"CREATE DATABASE {database}"], check=True, capture_output=True)
        parsed = urllib.parse.urlparse(admin_url)
        database_url = parsed._replace(path="/" + database).geturl()

        mock_port = free_port()
        self.mock = f"http://127.0.0.1:{mock_port}"
        self.spawn("oidc-provider-mock", [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(mock_port)])
        wait_for("oidc-provider-mock", lambda: http("GET", self.mock + "/.well-known/openid-configuration")[0] == 200)
        for subject, (email, groups) in PEOPLE.items():
            status, _, _ = http("PUT", f"{self.mock}/users/{subject}", body={"email": email, "groups": groups})
            assert status // 100 == 2, f"registering {subject}: {status}"

        port = free_port()
        # localhost, not 127.0.0.1: a browser keeps a Secure cookie from plain HTTP only on localhost.
        self.base = f"http://localhost:{port}"
        binary = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
        environment = dict(os.environ)
        environment.update({
            "JITSUDOD_DATABASE_URL": database_url,
            "JITSUDOD_HTTP_ADDR": f"127.0.0.1:{port}",
            "JITSUDOD_OIDC_ISSUER": self.mock,
            "JITSUDOD_OIDC_CLIENT_SECRET": "unused",
            "JITSUDOD_PUBLIC_URL": self.base,
            "JITSUDOD_PROVIDERS_MOCK_ENABLED": "true",
            "JITSUDOD_CREDENTIALS_KEY": base64.b64encode(bytes(range(32))).decode(),
            "JITSUDOD_DATABASE_MAX_CONNECTIONS": "5",
            "JITSUDOD_LOG_LEVEL": "warning",
        })
        self.spawn("jitsudod", [os.path.join(binary, "jitsudod"), "serve"], environment)
        wait_for("jitsudod", lambda: http("GET", f"http://127.0.0.1:{port}/readyz")[0] == 200)
        token = self.id_token("root")
        for name, kind, rego in (("eligibility", "eligibility", ELIGIBILITY), ("approval", "approval", APPROVAL)):
            status, text, _ = http(
                "POST", self.base + "/api/v1alpha1/policies", body={"name": name, "type": kind, "rego": rego, "enabled": True},
                headers={"Authorization": "Bearer " + token})
            assert status == 200, f"policy {name}: {status} {text}"
        self.admin_token = token

    def spawn(self, name, command, environment=None):
        log = open(os.path.join(self.directory, name + ".log"), "w")
        self.processes.append((name, subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True)))

    def id_token(self, subject):
        redirect = "http://127.0.0.1/callback"
        query = urllib.parse.urlencode({"client_id": "jitsudo-cli", "response_type": "code", "scope": "openid email", "state": "s" * 20,
                                        "redirect_uri": redirect})
        status, _, headers = http("POST", f"{self.mock}/oauth2/authorize?{query}", form={"sub": subject})
        assert status == 302, status
        code = urllib.parse.parse_qs(urllib.parse.urlparse(headers["Location"]).query)["code"][0]
        status, text, _ = http("POST", self.mock + "/oauth2/token", form={
            "grant_type": "authorization_code", "client_id": "jitsudo-cli", "client_secret": "unused", "code": code, "redirect_uri": redirect})
        assert status == 200, text
        return json.loads(text)["id_token"]

    def api(self, path):
        status, text, _ = http("GET", self.base + path, headers={"Authorization": "Bearer " + self.admin_token})
        assert status == 200, f"{path}: {status} {text}"
        return json.loads(text)

    def stop(self):
        for _, process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()

    def logs(self):
        out = []
        for name, _ in self.processes:
            with open(os.path.join(self.directory, name + ".log")) as handle:
                out.append(f"--- {name}\n" + handle.read()[-3000:])
        return "\n".join(out)


class Browser:
    """One person: a headless chromium of their own (its own profile, so its own cookies)."""

    def __init__(self, stack, profile):
        options = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                     f"--user-data-dir={profile}", "--no-first-run", "--disable-gpu"):
            options.add_argument(flag)
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        self.driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
        self.stack = stack
        # A click that submits a form replaces the page: an element found on the old page goes stale between
        # find_element and .text. Both are "not yet", so the wait polls again instead of failing.
        self.wait = WebDriverWait(self.driver, 30,
                                  ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))

    def sign_in(self, subject):
        self.driver.get(self.stack.base + "/ui/")
        self.driver.find_element(By.CSS_SELECTOR, "a[href='/ui/login']").click()
        # The issuer's own page: type the subject, press the sign-in button.
        field = self.wait.until(expected_conditions.presence_of_element_located((By.NAME, "sub")))
        field.clear()
        field.send_keys(subject)
        field.submit()
        self.wait.until(lambda driver: driver.current_url.rstrip("/").endswith("/ui") and "Sign out" in driver.page_source)

    def open(self, path):
        self.driver.get(self.stack.base + path)

    def text(self, element_id):
        return self.driver.find_element(By.ID, element_id).text

    def shot(self, directory, name):
        if directory:
            self.driver.save_screenshot(os.path.join(directory, name))

    def quit(self):
        self.driver.quit()


def request_form(browser, role, reason):
    browser.open("/ui/")
    browser.driver.find_element(By.ID, "role").send_keys(role)
    browser.driver.find_element(By.ID, "scope").send_keys("acct-1")
    duration = browser.driver.find_element(By.ID, "duration")
    duration.clear()
    duration.send_keys("1h")
    browser.driver.find_element(By.ID, "reason").send_keys(reason)
    browser.driver.find_element(By.CSS_SELECTOR, "#request-form button[type=submit]").click()
    browser.wait.until(lambda driver: "/ui/requests/" in driver.current_url)
    return browser.driver.current_url.rsplit("/", 1)[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--screenshots", default="")
    args = parser.parse_args()
    shots = os.path.abspath(args.screenshots) if args.screenshots else ""
    if shots:
        os.makedirs(shots, exist_ok=True)
    started = time.monotonic()
    results = []
    stack = Stack()
    browsers = []

    def test(name, body):
        began = time.monotonic()
        try:
            body()
            results.append(True)
            print(f"✔ Test {name}() passed after {time.monotonic() - began:.3f} seconds.", flush=True)
        except Exception:  # noqa: BLE001 - every failure is reported with its trace
            results.append(False)
            print(f"✘ Test {name}() failed after {time.monotonic() - began:.3f} seconds.", flush=True)
            traceback.print_exc()

    try:
        stack.start()
        alice = Browser(stack, os.path.join(stack.directory, "alice"))
        bob = Browser(stack, os.path.join(stack.directory, "bob"))
        mallory = Browser(stack, os.path.join(stack.directory, "mallory"))
        browsers.extend([alice, bob, mallory])
        state = {}

        def sign_in_and_cookie_flags():
            alice.open("/ui/")
            alice.shot(shots, "console-sign-in.png")
            alice.sign_in("alice")
            cookie = next(c for c in alice.driver.get_cookies() if c["name"] == "jitsudo_session")
            assert cookie["httpOnly"] is True and cookie["secure"] is True and cookie.get("sameSite") == "Strict", cookie
            bob.sign_in("bob")
            mallory.sign_in("mallory")

        def request_approve_in_a_second_browser_and_see_active():
            reason = '<script>document.title="owned"</script><b>INC-7</b>'
            request_id = request_form(alice, "admin", reason)
            state["id"] = request_id
            assert alice.text("reason") == reason, alice.text("reason")
            assert alice.driver.title != "owned"
            assert alice.driver.find_elements(By.ID, "approve-form") == [], "the requester sees no approve button"
            alice.shot(shots, "console-request.png")
            bob.open("/ui/approvals")
            assert bob.driver.find_elements(By.ID, "pending-" + request_id), "bob's queue lists the request"
            bob.shot(shots, "console-approvals.png")
            bob.open("/ui/requests/" + request_id)
            bob.driver.find_element(By.ID, "approve-comment").send_keys("checked INC-7")
            bob.driver.find_element(By.ID, "approve").click()
            bob.wait.until(lambda driver: "ACTIVE" in driver.find_element(By.ID, "state").text)
            alice.open("/ui/requests/" + request_id)
            assert alice.text("state") == "ACTIVE", alice.text("state")
            alice.shot(shots, "console-active.png")
            alice.open("/ui/")
            alice.shot(shots, "console-my-requests.png")

        def deny_with_a_comment():
            request_id = request_form(alice, "admin", "INC-8")
            bob.open("/ui/requests/" + request_id)
            bob.driver.find_element(By.ID, "deny-reason").send_keys("not during the freeze")
            bob.driver.find_element(By.ID, "deny").click()
            bob.wait.until(lambda driver: "REJECTED" in driver.find_element(By.ID, "state").text)
            alice.open("/ui/requests/" + request_id)
            assert alice.text("state") == "REJECTED"
            assert "not during the freeze" in alice.driver.page_source

        def a_non_approver_sees_no_button_and_a_forged_post_is_refused():
            request_id = request_form(alice, "admin", "INC-9")
            mallory.open("/ui/requests/" + request_id)
            assert mallory.driver.find_elements(By.ID, "approve-form") == []
            mallory.open("/ui/approvals")
            assert not mallory.driver.find_elements(By.ID, "pending-" + request_id)
            # A forged form (mallory's own session and CSRF token) posted from her page: 403, nothing changes.
            mallory.open("/ui/requests/" + request_id)
            token = mallory.driver.find_element(By.NAME, "csrf").get_attribute("value")
            status = post_in_page(mallory, f"/ui/requests/{request_id}/approve", {"csrf": token, "comment": "sure"})
            assert status == 403, status
            assert "refusal" in mallory.driver.page_source and "only sre-leads may approve" in mallory.driver.page_source
            mallory.shot(shots, "console-refused.png")
            assert stack.api(f"/api/v1alpha1/requests/{request_id}")["request"]["state"].endswith("PENDING")
            state["pending"] = request_id

        def a_form_without_its_csrf_token_is_refused():
            request_id = state["pending"]
            status = post_in_page(bob, f"/ui/requests/{request_id}/approve", {"comment": "no token"})
            assert status == 403, status
            assert stack.api(f"/api/v1alpha1/requests/{request_id}")["request"]["state"].endswith("PENDING")

        def the_admin_page_shows_policies_and_replicas():
            root = Browser(stack, os.path.join(stack.directory, "root"))
            browsers.append(root)
            root.sign_in("root")
            root.open("/ui/admin")
            assert root.driver.find_elements(By.ID, "policy-approval"), "the approval policy is listed"
            root.wait.until(lambda driver: "leader" in driver.find_element(By.ID, "replicas").text or driver.refresh())
            root.shot(shots, "console-admin.png")
            mallory.open("/ui/admin")
            assert "admin groups" in mallory.driver.page_source

        test("signInWithTheIssuerSetsAnHttpOnlySecureSameSiteStrictCookie", sign_in_and_cookie_flags)
        test("requestApproveInASecondBrowserAndSeeActive", request_approve_in_a_second_browser_and_see_active)
        test("denyWithAComment", deny_with_a_comment)
        test("aNonApproverSeesNoButtonAndAForgedPostIsRefused", a_non_approver_sees_no_button_and_a_forged_post_is_refused)
        test("aFormWithoutItsCSRFTokenIsRefused", a_form_without_its_csrf_token_is_refused)
        test("theAdminPageShowsPoliciesAndReplicasToAdminsOnly", the_admin_page_shows_policies_and_replicas)
    except Exception:  # noqa: BLE001
        results.append(False)
        print("✘ Test consoleBrowserStack() failed after 0.000 seconds.", flush=True)
        traceback.print_exc()
        print(stack.logs())
    finally:
        for browser in browsers:
            browser.quit()
        stack.stop()
        shutil.rmtree(stack.directory, ignore_errors=True)
    failed = results.count(False)
    elapsed = time.monotonic() - started
    if failed:
        print(f"✘ Test run with {len(results)} tests failed after {elapsed:.3f} seconds with {failed} issues.")
        sys.exit(1)
    print(f"✔ Test run with {len(results)} tests passed after {elapsed:.3f} seconds.")


def post_in_page(browser, path, fields):
    """Submits a form built in the page itself (what a forged or token-less form does) and returns the HTTP status
    of the answer, read from the navigation timing the browser records."""
    # The console's CSP forbids script in its pages; the WebDriver's own script runs outside that policy.
    browser.driver.execute_script(
        """
        const form = document.createElement('form');
        form.method = 'post';
        form.action = arguments[0];
        for (const [name, value] of Object.entries(arguments[1])) {
            const input = document.createElement('input');
            input.type = 'hidden'; input.name = name; input.value = value;
            form.appendChild(input);
        }
        document.body.appendChild(form);
        form.submit();
        """, path, fields)
    browser.wait.until(lambda driver: driver.execute_script("return document.readyState") == "complete"
                       and urllib.parse.urlparse(driver.current_url).path == path)
    return browser.driver.execute_script("return performance.getEntriesByType('navigation')[0].responseStatus")


if __name__ == "__main__":
    main()
