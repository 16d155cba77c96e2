"""The one fold of names: Python and its SQL twin agree, on made-up and on every real name."""
import pytest
import sqlalchemy as sa

from geodata.names import fold_name, fold_text


@pytest.mark.parametrize("name, folded", [
    ("Mons-en-Barœul", "mons en baroeul"),
    ("ŒUF-EN-TERNOIS", "oeuf en ternois"),
    ("ST-OMER", "saint omer"),
    ("Ste Catherine", "sainte catherine"),
    ("Saint-Étienne", "saint etienne"),
    ("ÉVRY-COURCOURONNES", "evry courcouronnes"),
    ("Quesnoy (Le)", "le quesnoy"),
    ("Haÿ-les-Roses (L’)", "l hay les roses"),
    ("L'Haÿ-les-Roses", "l hay les roses"),
    ("Flines-lès-Mortagne", "flines les mortagne"),
    ("Flines-lez-Mortagne", "flines les mortagne"),
    ("Villeneuve d’Ascq", "villeneuve d ascq"),
    ("  Île-d'Yeu  ", "ile d yeu"),
    ("%_", ""),
])
def test_fold_name_in_python_and_in_sql(conn, name, folded):
    assert fold_name(name) == folded
    assert conn.execute(sa.text("SELECT observatory.fold_name(:n)"), {"n": name}).scalar_one() == folded


def test_fold_text_keeps_abbreviations_and_articles_as_written():
    assert fold_text("N° Mesure (St)") == "n mesure st"


def test_python_and_sql_folds_agree_on_every_name_of_the_reference(engine, reference_db):
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT name, name_folded FROM observatory.commune_name")).all()
    assert len(rows) > 34_969
    differing = [(name, stored) for name, stored in rows if fold_name(name) != stored]
    assert differing == []
