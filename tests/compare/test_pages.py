"""AppTest of the comparison and ranking pages, including the link round trip."""
import json

from streamlit.testing.v1 import AppTest

from tests.dashboards.conftest import open_page

NNBSP = "\u202f"


def compared(at: AppTest) -> list[str]:
    """The communes of the comparison, as the side-by-side table heads them."""
    return list(at.dataframe[0].value.columns[1:])


def test_comparison_reopens_from_its_link(app_env):
    at = open_page("comparer", codes="59350,59512,59599")
    assert not at.exception, at.exception
    assert at.title[0].value == "Comparer des communes"
    assert compared(at) == ["Lille (59)", "Roubaix (59)", "Tourcoing (59)"]
    territory = at.dataframe[0].value.set_index("Indicateur")
    assert territory.loc["Population municipale (hab.)", "Lille (59)"] == f"238{NNBSP}246"
    # 98,286 inhabitants on 13.155 km² (geodesic; pyproj's Geod on the mirror's contour agrees)
    assert territory.loc["Densité de population (hab./km²)", "Roubaix (59)"] == f"7{NNBSP}471,6"
    pact = at.dataframe[1].value.set_index("Indicateur")
    assert pact.loc["Mesures du pacte engagées (mesures)", "Lille (59)"] == "non renseigné"
    chart = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert chart["encoding"]["x"]["title"] == "Population municipale (hab.)"
    assert "regexp(',', 'g')" in chart["encoding"]["x"]["axis"]["labelExpr"]
    assert chart["encoding"]["color"]["scale"]["range"] == ["#0072B2", "#E69F00", "#009E73"]


def test_suggested_peers_are_written_to_the_link_and_reopen(app_env):
    at = open_page("comparer", codes="62041")
    assert any("au moins une autre commune" in i.value for i in at.info)
    at.button(key="compare-suggest").click().run()
    codes = at.query_params["codes"]
    codes = codes[0] if isinstance(codes, list) else codes
    assert codes.startswith("62041,") and len(codes.split(",")) == 4
    assert len(compared(at)) == 4 and compared(at)[0] == "Arras (62)"
    reopened = open_page("comparer", codes=codes)
    assert compared(reopened) == compared(at)


def test_add_by_name_and_remove(app_env):
    at = open_page("comparer", codes="59350,59599")
    at.text_input(key="compare-search").input("Roubaix").run()
    assert at.selectbox(key="compare-choice").value == "59512"
    at.button(key="compare-add").click().run()
    assert compared(at) == ["Lille (59)", "Tourcoing (59)", "Roubaix (59)"]
    at.button(key="compare-remove-59599").click().run()
    assert compared(at) == ["Lille (59)", "Roubaix (59)"]
    assert at.query_params["codes"] in ("59350,59512", ["59350,59512"])


def test_unknown_codes_in_the_link_are_ignored(app_env):
    at = open_page("comparer", codes="00000,59350,59350")
    assert not at.exception
    assert any("au moins une autre commune" in i.value for i in at.info)
    empty = open_page("comparer")
    assert any("au moins deux communes" in i.value for i in empty.info)


def test_ranking_states_rank_percentile_rule_and_table(app_env):
    at = open_page("classement", code="59350", groupe="epci", indicateur="density")
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rang"] == "5 sur 95"
    assert metrics["Centile"] == f"95,8{NNBSP}%"   # 91 of the 95 communes equalled or beaten
    assert metrics["Valeur (hab./km²)"] == f"6{NNBSP}830,1"   # on the geodesic area, 34.88 km²
    assert any("Métropole Européenne de Lille (Siren 200093201)" in i.value for i in at.info)
    table = at.dataframe[0].value
    assert len(table) == 95
    assert table["Rang"].iloc[0] == 1
    assert table.loc[table["Code Insee"] == "59350", "Rang"].item() == 5
    leaders = next(p for p in at.get("page_link") if "premières communes" in p.proto.label)
    assert leaders.proto.query_string == "codes=59350%2C59332%2C59368%2C59512"


def test_ranking_choices_go_to_the_link(app_env):
    at = open_page("classement", code="59350")
    at.selectbox(key="ranking-kind").set_value("size_class").run()
    at.selectbox(key="ranking-indicator").set_value("population").run()
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert params == {"code": "59350", "groupe": "size_class", "indicateur": "population"}
    assert any("100\u202f000 habitants et plus" in i.value for i in at.info)
    # Paris, Marseille, Lyon, Toulouse, Nice, Nantes, Montpellier, Strasbourg, Bordeaux, then Lille.
    assert {m.label: m.value for m in at.metric}["Rang"] == "10 sur 42"


def test_ranking_without_commune_offers_the_search(app_env):
    at = open_page("classement")
    at.text_input(key="ranking-search").input("Arras").run()
    at.button(key="ranking-pick").click().run()
    assert at.query_params["code"] in ("62041", ["62041"])
    assert at.subheader[0].value.startswith("Arras")
    unknown = open_page("classement", code="00000")
    assert any("Aucune commune actuelle n'a le code 00000" in e.value for e in unknown.error)


def test_commune_page_links_to_comparison_and_ranking(app_env):
    at = open_page("commune", code="62041")
    assert not at.exception, at.exception
    links = {link.proto.label: link.proto for link in at.get("page_link")}
    compare = links["Comparer avec des communes semblables"]
    assert compare.page == "comparer"
    codes = compare.query_string.removeprefix("codes=").split("%2C")
    assert codes[0] == "62041" and len(codes) == 4
    assert links["Classement"].query_string == "code=62041"
