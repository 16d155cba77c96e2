"""The whole path in headless Chromium, on a database where every pipeline ran: an invitation
link, a password, the real Hauts-de-France list uploaded, reviewed and published, three
follow-up entries for Lille with evidence (refused first with a javascript: link, a future date, a
formula), then the public timeline on Lille's page, the used invitation link and a wrong password.
Each step is timed; the timings, refusals and audit rows are written to
test-artifacts/collectifs-path.txt, screenshots to test-artifacts/screenshots/collectifs-*.png."""
from __future__ import annotations

import csv
import io
import time

import psycopg
import pytest

from geodata.sources.pacte.reader import HDF_2020
from observatory import groups
from tests.browser.harness import BROWSER_TEST, SCREENSHOTS
from tests.browser.test_user_paths import wait_for_app
from tests.collectifs.conftest import PASSWORD, remove_groups

pytestmark = BROWSER_TEST
REPORT = SCREENSHOTS.parent / "collectifs-path.txt"
ENTRIES = (  # measure, status label, date, evidence, comment
    ("14", "En cours", "15/04/2026", "https://www.lille.fr/deliberations/2026-04-bus",
     "Délibération sur les nouvelles lignes de bus"),
    ("14", "Réalisée", "01/10/2026", "https://www.lille.fr/actualites/ligne-bus-inauguree",
     "Ligne inaugurée <b>en octobre</b>"),
    ("15", "En cours", "20/06/2026", "https://www.lille.fr/plan-velo-2026", "Plan vélo voté"),
)


STATUS_CODES = {"En cours": "in_progress", "Réalisée": "done"}
REFUSED_ENTRIES = {  # entry number: what, field, value typed first, screenshot
    2: ("date du constat dans le futur", "date", "2031-01-15", "collectifs-4b-refus-date.png"),
    3: ("formule de tableur en commentaire", "Commentaire", "=HYPERLINK(\"http://x.example\",\"clic\")",
        "collectifs-4c-refus-formule.png"),
}


def download_csv(page, button: str) -> list[dict]:
    with page.expect_download() as download:
        page.get_by_role("button", name=button).click()
    text = download.value.path().read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def choose(page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.keyboard.type(option)  # the list is virtual: filter it down to the option
    page.get_by_role("option", name=option).first.click()
    wait_for_app(page)


@pytest.fixture
def groups_removed_after(observatory_db):
    """The other browser tests share this database: what the path writes goes afterwards."""
    yield observatory_db
    remove_groups(observatory_db)


def test_invite_upload_publish_follow_up_and_public_timeline(page, app_url, groups_removed_after, mirror):
    observatory_db = groups_removed_after
    timings, refusals = {}, []

    def step(name, started):
        timings[name] = time.perf_counter() - started

    def refused(what):
        """Wait for the page's refusal and keep its text for the report."""
        error = page.get_by_test_id("stAlertContentError").first
        error.wait_for()
        refusals.append((what, error.inner_text()))

    started = time.perf_counter()
    with psycopg.connect(observatory_db) as conn:
        groups.create_group(conn, "Collectif Lille Métropole", ["59350", "59009"], "municipales-2020")
        token, _ = groups.invite(conn, "Collectif Lille Métropole", "referente@example.org", "referent")
    link = groups.invitation_link(app_url, token)
    step("invitation (création du collectif et lien)", started)

    started = time.perf_counter()
    page.goto(link)
    page.get_by_text("Invitation au collectif « Collectif Lille Métropole »").wait_for()
    wait_for_app(page)
    step("ouverture du lien d'invitation (chargement de l'application)", started)
    started = time.perf_counter()
    page.get_by_label("Choisissez un mot de passe").fill(PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    page.screenshot(path=SCREENSHOTS / "collectifs-1-invitation.png")
    page.get_by_role("button", name="Créer mon accès").click()
    page.get_by_text("Connecté·e : referente@example.org").wait_for()
    wait_for_app(page)
    step("mot de passe choisi, connecté", started)
    assert "invitation=" not in page.url

    started = time.perf_counter()
    page.get_by_role("tab", name="Déposer une liste").click()
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(mirror / HDF_2020.mirror_path)
    publish = page.get_by_role("button", name="Publier la liste (2 ligne(s) à charger)")
    publish.wait_for(timeout=120_000)
    wait_for_app(page)
    step("dépôt de hdf-2020-after-second-round.csv et revue", started)
    # The review's counts, drawn above the button: a fresh-clone CI run once read the page
    # while they were not (yet, or no longer) there.
    page.get_by_test_id("stMetricLabel").filter(has_text="Lignes lues").first.wait_for()
    wait_for_app(page)
    page.screenshot(path=SCREENSHOTS / "collectifs-2-revue.png")
    metrics = {m.get_by_test_id("stMetricLabel").inner_text().strip(): m.get_by_test_id("stMetricValue").inner_text()
               for m in page.get_by_test_id("stMetric").all()}
    assert metrics["Lignes lues"] == "70" and metrics["À charger"] == "2"
    review = download_csv(page, "Télécharger la revue (CSV)")
    reasons = {row["Nom publié"]: row["Motif"] for row in review}
    assert len(review) == 70 and reasons["Roubaix"] == "commune hors des communes suivies par le collectif"
    assert {reasons["Lille"], reasons["Villeneuve d'Ascq"]} == {""}

    started = time.perf_counter()
    publish.click()
    page.get_by_text("Liste publiée (import n°").wait_for()
    wait_for_app(page)
    step("publication", started)
    page.screenshot(path=SCREENSHOTS / "collectifs-3-publiee.png")

    uploader = page.locator("[data-testid='stFileUploader'] input[type='file']")
    uploader.set_input_files(files=[{"name": "liste.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}])
    refused("fichier .pdf")
    # The code says Villeneuve-d'Ascq, the name Lomme (in Lille): the member picks the commune.
    started = time.perf_counter()
    uploader.set_input_files(files=[{"name": "correction.csv", "mimeType": "text/csv",
                                     "buffer": "commune;code insee;campagne;engagement du conseil\n"
                                               "Lomme;59009;2020;unanime\n".encode()}])
    choose(page, "Ligne 2 : « Lomme »", "Lille (59350")
    page.get_by_role("button", name="Publier la liste (1 ligne(s) à charger)").click()
    page.get_by_text("Liste publiée (import n°").wait_for()
    wait_for_app(page)
    step("liste corrigée : ligne ambiguë résolue par le choix de la commune, publiée", started)
    page.screenshot(path=SCREENSHOTS / "collectifs-3b-ambigue-resolue.png")

    page.get_by_role("tab", name="Suivi d'une mesure").click()
    choose(page, "Commune", "Lille (59350)")
    form = page.get_by_test_id("stForm").filter(has_text="Enregistrer ce constat")
    for number, (measure, status, when, evidence, comment) in enumerate(ENTRIES, start=1):
        started = time.perf_counter()
        choose(page, "Mesure", f"Mesure {measure} :")
        form.get_by_text(status, exact=True).click()
        # The field's native date input takes the ISO date.
        form.get_by_test_id("stDateInput").locator("input[type='date']").fill(
            "-".join(reversed(when.split("/"))))
        form.get_by_label("Lien vers la preuve").fill(evidence)
        form.get_by_label("Commentaire").fill(comment)
        if number == 1:  # a link that is not http(s) first: refused, the text stays
            form.get_by_label("Lien vers la preuve").fill("javascript:alert(document.cookie)")
            form.get_by_role("button", name="Enregistrer ce constat").click()
            refused("lien de preuve javascript:")
            page.screenshot(path=SCREENSHOTS / "collectifs-4-refus-lien.png")
            assert form.get_by_label("Commentaire").input_value() == comment
            form.get_by_label("Lien vers la preuve").fill(evidence)
        if number in REFUSED_ENTRIES:  # then a date in the future, a formula: refused, the text stays
            what, field, value, screenshot = REFUSED_ENTRIES[number]
            if field == "date":
                form.get_by_test_id("stDateInput").locator("input[type='date']").fill(value)
            else:
                form.get_by_label(field).fill(value)
            form.get_by_role("button", name="Enregistrer ce constat").click()
            refused(what)
            page.screenshot(path=SCREENSHOTS / screenshot)
            assert form.get_by_label("Lien vers la preuve").input_value() == evidence
            if field == "date":
                form.get_by_test_id("stDateInput").locator("input[type='date']").fill(
                    "-".join(reversed(when.split("/"))))
            else:
                form.get_by_label(field).fill(comment)
        form.get_by_role("button", name="Enregistrer ce constat").click()
        page.get_by_text(f"{status} au {when}").first.wait_for()
        wait_for_app(page)
        step(f"constat {number} pour Lille (mesure {measure}, {status.lower()})", started)
    page.screenshot(path=SCREENSHOTS / "collectifs-5-constats.png")

    started = time.perf_counter()
    page.goto(f"{app_url}/commune?code=59350")
    page.get_by_text("Code Insee 59350").first.wait_for()
    wait_for_app(page)
    page.get_by_text("Suivi dans le temps").wait_for()
    step("chronologie publique sur la page de Lille", started)
    page.get_by_role("button", name="Télécharger la chronologie (CSV)").scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=SCREENSHOTS / "collectifs-6-chronologie-lille.png")
    assert "referente@example.org" not in page.inner_text("body")
    exported = download_csv(page, "Télécharger la chronologie (CSV)")
    assert [(row["measure_number"], row["status"], row["status_date"],
             row["collectif_name"], row["evidence_url"]) for row in exported] == [
        (measure, code, "-".join(reversed(when.split("/"))), "Collectif Lille Métropole", evidence)
        for measure, code, when, evidence in sorted(
            ((m, STATUS_CODES[s], w, e) for m, s, w, e, _ in ENTRIES), key=lambda e: e[2][6:] + e[2][3:5] + e[2][:2])]
    assert "referente@example.org" not in str(exported)

    # The invitation link again, then a wrong password: refused.
    page.goto(link)
    refused("lien d'invitation déjà utilisé")
    page.goto(f"{app_url}/collectifs")
    page.get_by_label("Adresse électronique").fill("referente@example.org")
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    refused("mauvais mot de passe")
    page.screenshot(path=SCREENSHOTS / "collectifs-7-refus-mot-de-passe.png")

    with psycopg.connect(observatory_db) as conn:
        audit = conn.execute("""SELECT to_char(at, 'HH24:MI:SS'), actor, action, target_table, target_id
                                FROM core.audit_log ORDER BY id""").fetchall()
        status = conn.execute("""SELECT measure_number, status, status_date FROM observatory.pact_commitment
                                 WHERE insee_code = '59350' ORDER BY measure_number""").fetchall()
        # What the refusals left: a failed sign-in counted (to slow repeated ones), no entry.
        failures, entries = conn.execute("""SELECT (SELECT count(*) FROM core.login_failure),
                                                   (SELECT count(*) FROM core.follow_up_entry)""").fetchone()
    REPORT.write_text("\n".join([
        "Étapes (secondes)", *(f"  {name:<60} {seconds:6.2f}" for name, seconds in timings.items()),
        "Refus", *(f"  {what}: {message}" for what, message in refusals),
        "Journal d'audit", *(f"  {row}" for row in audit),
        f"Échecs de connexion comptés (core.login_failure) : {failures} ; constats enregistrés : {entries}", ""]),
        encoding="utf-8")
    assert [row[2] for row in audit] == ["create_group", "invite", "accept_invitation", "stage_list",
                                         "publish_list", "stage_list", "publish_list", "add_entry",
                                         "add_entry", "add_entry"]
    assert refusals[0] == ("fichier .pdf", "Type de fichier refusé (.pdf) : déposez un fichier .csv ou .xlsx "
                                           "(le modèle de liste).")
    assert [what for what, _ in refusals] == ["fichier .pdf", "lien de preuve javascript:",
                                              "date du constat dans le futur", "formule de tableur en commentaire",
                                              "lien d'invitation déjà utilisé", "mauvais mot de passe"]
    assert refusals[1][1].startswith("Le lien de preuve doit être une adresse web commençant par http://")
    assert refusals[2][1] == ("La date du constat (15/01/2031) est dans le futur : un constat porte sur ce "
                              "qui a eu lieu.")
    assert refusals[3][1] == "Le commentaire commence comme une formule de tableur (=, +, -, @) : reformulez-le."
    assert refusals[4][1].startswith("Cette invitation a déjà été utilisée")
    assert refusals[5][1] == "Adresse ou mot de passe incorrect."
    assert (failures, entries) == (1, len(ENTRIES))
    assert status == []  # the HDF list names no measures: nothing committed, the timeline stands alone
