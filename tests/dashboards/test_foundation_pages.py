"""AppTest of the home page and the commune page."""
import json

from streamlit.testing.v1 import AppTest

from tests.dashboards.conftest import APP, open_page


def run_home(**widgets) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    for key, value in widgets.items():
        at.text_input(key=key).input(value)
    return at.run()


def test_home_shows_the_national_map_with_its_legend(app_env):
    at = run_home()
    assert not at.exception
    assert at.title[0].value == "Observatoire de la transition locale"
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layers = {layer["id"]: layer for layer in deck["layers"]}
    # IGN's basemap under the communes, the national image, the communes' tiles and their names
    # from zoom 6, their borders from zoom 9, the overseas insets.
    assert list(layers) == ["basemap", "france-density", "communes-density", "outlines-density", "names-density",
                            "overseas-insets", "overseas-frames", "overseas-titles"]
    overview, tiles, names = layers["france-density"], layers["communes-density"], layers["names-density"]
    # Clicks pick the fills only: the borders are neither drawn by the pickable layer nor pickable.
    outlines = layers["outlines-density"]
    assert tiles["pickable"] and not tiles["stroked"]
    assert not outlines["pickable"] and not outlines["filled"] and outlines["minZoom"] == 9
    assert layers["basemap"]["@@type"] == "_WMSLayer" and layers["basemap"]["layers"] == [
        "GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"]
    assert overview["@@type"] == "BitmapLayer" and overview["image"].endswith("/national/density.png")
    assert tiles["@@type"] == "MVTLayer" and tiles["minZoom"] == 6
    assert tiles["data"].endswith("/communes/density/{z}/{x}/{y}.pbf") and tiles["data"] == names["data"]
    assert tiles["loadOptions"]["mvt"]["layers"] == ["communes"] and names["loadOptions"]["mvt"]["layers"] == ["labels"]
    insets = {f["properties"]["code"][:3] for f in layers["overseas-insets"]["data"]["features"]}
    assert insets == {"971", "972", "973", "974", "976"}
    legend = " ".join(m.value for m in at.markdown)
    assert "Densité de population" in legend and "1\u202f000 et plus" in legend
    assert any("serveur de tuiles" in w.value for w in at.warning)


def test_search_by_name_ignores_accents_and_case(app_env):
    at = run_home(search="orée d'anjou")
    links = [link.proto.label for link in at.get("page_link")]
    assert any(label.startswith("Orée d'Anjou (49)") for label in links)


def test_search_by_postcode(app_env):
    at = run_home(search="69860")
    labels = [link.proto.label for link in at.get("page_link")]
    assert any(label.startswith("Deux-Grosnes (69)") for label in labels)


def test_search_without_result_says_so(app_env):
    at = run_home(search="Zzyzx-sur-Mer")
    assert any("Aucune commune" in i.value for i in at.info)


def test_commune_page_shows_profile_and_contour(app_env):
    at = open_page("commune", code="59350")
    assert not at.exception
    assert at.title[0].value == "Lille"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Population"] == "238\u202f246"
    assert metrics["Surface"].endswith("km²")
    text = " ".join(m.value for m in at.markdown)
    assert "Métropole Européenne de Lille" in text
    assert "Lomme (59355), commune associée" in text
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    contour = next(layer for layer in deck["layers"] if layer["id"] == "contour")
    assert contour["data"]["geometry"]["type"] == "MultiPolygon"


def test_commune_without_geometry_states_why(app_env):
    at = open_page("commune", code="14666")
    assert at.title[0].value == "Sannerville"
    assert any("absente des contours 2018" in w.value for w in at.warning)


def test_unknown_code_is_an_error_message(app_env):
    at = open_page("commune", code="00000")
    assert any("Aucune commune actuelle" in e.value for e in at.error)


def test_commune_page_without_code_searches_like_the_home_page(app_env):
    at = open_page("commune")
    assert at.title[0].value == "Fiche commune"
    at.text_input(key="commune-search").input("59000").run()
    assert not at.exception
    labels = [link.proto.label for link in at.get("page_link")]
    assert "Lille (59) · 238\u202f246 hab." in labels
    at.text_input(key="commune-search").input("Zzyzx-sur-Mer").run()
    assert any("Aucune commune" in i.value for i in at.info)
