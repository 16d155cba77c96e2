"""Map pieces shared by the pages: the national commune layer, contours, legends."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from dashboards.data import basemap_name
from dashboards.format import class_label
from dashboards.tile_server import MVT_WORKER_PATH
from observatory.map_indicators import BACKGROUND, NO_DATA_LABEL, NO_DATA_RGB, MapIndicator
from observatory.national_image import BOUNDS_LONLAT
from observatory.tiles import LABEL_LAYER
from observatory.tiles import LAYER as COMMUNE_LAYER

# The national choropleth's vector tiles start at zoom 6 (deck.gl draws none below a layer's
# min_zoom, and a z4 tile of all communes would be one heavy download): the national view,
# below, is one image.
NATIONAL_TILES_MIN_ZOOM = 6
# Commune borders are drawn from this zoom (`commune_outlines_layer`).
OUTLINES_MIN_ZOOM = 9
# The national maps: metropolitan France and, west of it, the overseas insets
# (observatory.overseas_insets), within the map's width in a 1400 px window (655 px).
NATIONAL_VIEW_WIDTH_PX = 655
NATIONAL_VIEW = pdk.ViewState(latitude=46.2, longitude=-0.1, zoom=4.55, min_zoom=3.5, max_zoom=13)


def national_view(width_px: int) -> pdk.ViewState:
    """NATIONAL_VIEW's composite, zoomed to fit a map `width_px` wide."""
    return pdk.ViewState(latitude=NATIONAL_VIEW.latitude, longitude=NATIONAL_VIEW.longitude,
                         zoom=NATIONAL_VIEW.zoom - math.log2(NATIONAL_VIEW_WIDTH_PX / width_px),
                         min_zoom=3.0, max_zoom=NATIONAL_VIEW.max_zoom)

# Text drawn on maps, in the app's font.
MAP_FONT = '"Source Sans Pro", "Source Sans 3", sans-serif'
# Tiles carry each commune's value as French text with its unit (`valeur`).
NATIONAL_TOOLTIP = {"html": "<b>{nom}</b> ({code})<br/>{valeur}"}


class CompactDeck(pdk.Deck):
    """A Deck serialised without pydeck's indentation: two thirds of a 35,000-point map's
    JSON were spaces and newlines (8.3 MB down to about 3 MB)."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


@dataclass(frozen=True)
class Basemap:
    """An open WMS whose images go under the maps: the visitor's browser fetches one image of
    the view after each move (deck.gl's WMSLayer). Streamlit's own basemap would be a CARTO or
    Mapbox style that its map library cannot draw without their keys and CDN."""
    wms_url: str
    layer: str
    attribution: str    # shown on every map that draws it


BASEMAPS: dict[str, Basemap | None] = {
    # IGN's Plan IGN (Licence Ouverte): place names, roads and relief, overseas included.
    "plan-ign": Basemap("https://data.geopf.fr/wms-r/wms", "GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2",
                        "Fond de carte : Plan IGN © IGN, Géoplateforme"),
    "off": None,
}
# The communes let the basemap's names show through.
OVER_BASEMAP_OPACITY = 0.8


def basemap() -> Basemap | None:
    name = basemap_name()
    if name not in BASEMAPS:
        raise ValueError(f"OBSERVATORY_BASEMAP={name!r}: expected one of {', '.join(BASEMAPS)}")
    return BASEMAPS[name]


def basemap_layers() -> list[pdk.Layer]:
    chosen = basemap()
    if chosen is None:
        return []
    # Where the visitor's machine cannot reach the WMS, the image fails and nothing is drawn under
    # the communes: the maps work offline, as without basemap.
    # pydeck reads other strings as JavaScript expressions: these are literal.
    return [pdk.Layer("_WMSLayer", id="basemap", data=chosen.wms_url, service_type=pdk.types.String("wms"),
                      layers=[pdk.types.String(chosen.layer)], srs=pdk.types.String("EPSG:3857"), pickable=False)]


def offline_deck(*, layers: list[pdk.Layer], **kwargs) -> pdk.Deck:
    """A compact deck over our basemap (`basemap_layers`, none when OBSERVATORY_BASEMAP=off),
    never Streamlit's: it would fetch a CARTO style from its CDN (leaving `map_style` unset
    matters too). Without basemap the communes themselves draw France."""
    return CompactDeck(map_provider=None, layers=[*basemap_layers(), *layers], **kwargs)


def attribution_style() -> str:
    """CSS that writes the basemap's attribution in the corner of every map (none without
    basemap)."""
    chosen = basemap()
    if chosen is None:
        return ""
    return ("[data-testid='stDeckGlJsonChart'] { position: relative; }"
            f"[data-testid='stDeckGlJsonChart']::after {{ content: '{chosen.attribution}'; position: absolute; "
            "right: 0; bottom: 0; padding: 1px 5px; font-size: 11px; color: #333; "
            "background: rgba(255, 255, 255, 0.75); pointer-events: none; z-index: 1; }")


def national_image_layer(tiles_url: str, indicator: MapIndicator) -> pdk.Layer:
    """The tile server's image of metropolitan France for an indicator."""
    return pdk.Layer("BitmapLayer", id=f"france-{indicator.key}", image=f"{tiles_url}/national/{indicator.key}.png",
                     bounds=list(BOUNDS_LONLAT))


def national_layers(tiles_url: str, indicator: MapIndicator) -> list[pdk.Layer]:
    """The national choropleth: one image of France at the national view (it paints with the
    page, where 35,000 vector polygons took seconds without a GPU), then vector tiles, with
    their tooltips and the communes' names, from zoom 6, and their borders from zoom 9."""
    layers = [national_image_layer(tiles_url, indicator),
              commune_tiles_layer(tiles_url, indicator)]
    if basemap() is not None:
        for layer in layers:
            layer.opacity = OVER_BASEMAP_OPACITY
    return [*layers, commune_outlines_layer(tiles_url, indicator),
            commune_names_layer(tiles_url, indicator)]


def inset_layers(features: list[dict], frames: list[dict]) -> list[pdk.Layer]:
    """The overseas insets: their communes coloured as the tiles are (same tooltip, and a
    click opens the commune), a frame around each and its name."""
    communes = pdk.Layer("GeoJsonLayer", id="overseas-insets", data={"type": "FeatureCollection", "features": features},
                         get_fill_color="[properties.r, properties.g, properties.b, 255]",
                         get_line_color=[255, 255, 255, 80], line_width_min_pixels=0.5, pickable=True,
                         auto_highlight=True)
    boxes = pdk.Layer("PathLayer", id="overseas-frames", data=frames, get_path="path", get_color=[120, 120, 120],
                      width_min_pixels=1, get_width=1)
    titles = pdk.Layer("TextLayer", id="overseas-titles", data=frames, get_position="title_at", get_text="name",
                       get_size=12, get_color=[60, 60, 60], get_text_anchor=pdk.types.String("start"),
                       get_alignment_baseline=pdk.types.String("bottom"), character_set=pdk.types.String("auto"),
                       font_family=pdk.types.String(MAP_FONT))
    return [communes, boxes, titles]


def _tiles_layer(tiles_url: str, indicator: MapIndicator, tile_layer: str, layer_id: str, min_zoom: int,
                 **style) -> pdk.Layer:
    """A deck layer of one layer (`tile_layer`) of an indicator's vector tiles. Streamlit's
    bundle can parse MVT only in a loaders.gl worker, fetched by default from unpkg.com: the
    tile server serves it, so the map works offline and without a CDN."""
    return pdk.Layer("MVTLayer", data=f"{tiles_url}/communes/{indicator.key}/{{z}}/{{x}}/{{y}}.pbf", id=layer_id,
                     min_zoom=min_zoom, max_zoom=12,
                     load_options={"mvt": {"workerUrl": f"{tiles_url}{MVT_WORKER_PATH}", "layers": [tile_layer]}},
                     **style)


def commune_tiles_layer(tiles_url: str, indicator: MapIndicator) -> pdk.Layer:
    """The communes, filled with their class's colour; hover shows the tooltip, a click opens
    the commune. Fills only: deck.gl draws every pickable layer again at each hover and each
    click, and the outlines made that 0.3-1.7 s at zooms 6-9 in software WebGL, against
    75-95 ms without them (headless Chromium, measured around deck's pick); a press held that
    long is no longer a click for deck.gl's gesture recogniser (250 ms), and the click was lost."""
    return _tiles_layer(tiles_url, indicator, COMMUNE_LAYER, f"communes-{indicator.key}", NATIONAL_TILES_MIN_ZOOM,
                        get_fill_color="[properties.r, properties.g, properties.b, 255]", stroked=False,
                        pickable=True, auto_highlight=True)


def commune_outlines_layer(tiles_url: str, indicator: MapIndicator) -> pdk.Layer:
    """The communes' borders, from zoom 9 where neighbours are large enough to need them; not
    pickable, so that hovering and clicking never draw them (see `commune_tiles_layer`)."""
    return _tiles_layer(tiles_url, indicator, COMMUNE_LAYER, f"outlines-{indicator.key}", OUTLINES_MIN_ZOOM,
                        filled=False, get_line_color=[255, 255, 255, 90], line_width_min_pixels=1,
                        pickable=False)


def commune_names_layer(tiles_url: str, indicator: MapIndicator) -> pdk.Layer:
    """The communes' names, from the tiles' label points (they hold a name from the zoom where
    it fits inside its commune), over the coloured communes: the same tiles, from the browser's
    cache."""
    return _tiles_layer(tiles_url, indicator, LABEL_LAYER, f"names-{indicator.key}", NATIONAL_TILES_MIN_ZOOM,
                        point_type=pdk.types.String("text"), get_text="properties.nom", get_text_size=13,
                        get_text_color=[25, 25, 25, 255], text_character_set=pdk.types.String("auto"),
                        text_font_family=pdk.types.String(MAP_FONT), text_font_weight=600, text_background=True,
                        get_text_background_color=[255, 255, 255, 190], text_background_padding=[3, 1],
                        pickable=False)


def background_layer(tiles_url: str) -> pdk.Layer:
    """Communes in light grey under a map of points, so that the points have a place: the
    national image of metropolitan France. Vector tiles of the communes under the points held
    the browser 9-28 s after each filter change of the Pacte page (software WebGL redraws
    every tile polygon; from zoom 8 only, still 2-5 s): the image alone redraws in a fraction
    of that (benchmarks/page_interactions.py)."""
    image = national_image_layer(tiles_url, BACKGROUND)
    image.pickable = False
    image.opacity = 0.35
    return image


def contour_layer(geojson: dict, layer_id: str = "contour") -> pdk.Layer:
    return pdk.Layer("GeoJsonLayer", data={"type": "Feature", "geometry": geojson, "properties": {}},
                     id=layer_id, stroked=True, filled=True, get_fill_color=[31, 161, 135, 90],
                     get_line_color=[68, 1, 84, 255], line_width_min_pixels=2)


def view_around(xmin: float, ymin: float, xmax: float, ymax: float, *, width_px: int, height_px: int,
                margin: float = 0.85) -> pdk.ViewState:
    """The view that fits a WGS84 box into a map of about `width_px` x `height_px` (the width
    a wide-layout page gives it on a laptop screen; deck.gl's world is 512 px wide at zoom 0)."""
    def mercator(latitude: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2))

    world_share_x = max(xmax - xmin, 1e-4) / 360
    world_share_y = max(mercator(ymax) - mercator(ymin), 1e-6) / (2 * math.pi)
    zoom = math.log2(margin * min(width_px / world_share_x, height_px / world_share_y) / 512)
    return pdk.ViewState(latitude=(ymin + ymax) / 2, longitude=(xmin + xmax) / 2, zoom=max(3.0, min(14.0, zoom)))


def france_view(width_px: int, height_px: int) -> pdk.ViewState:
    """Metropolitan France (the national image's bounds) in a map of `width_px` x `height_px`."""
    return view_around(*BOUNDS_LONLAT, width_px=width_px, height_px=height_px, margin=0.95)


def legend_html(indicator: MapIndicator, minimum: float | None = None) -> str:
    """The classes' colours and bounds; with the indicator's real `minimum`, the first class
    starts there ("0 à 10", not "moins de 10") and classes wholly below it are left out."""
    bounds = [None, *indicator.breaks, None]
    classes = [(colour, bounds[index], bounds[index + 1]) for index, colour in enumerate(indicator.palette)]
    if minimum is not None:
        classes = [c for c in classes if c[2] is None or c[2] > minimum]
        classes[0] = (classes[0][0], minimum, classes[0][2])
    items = [(colour, class_label(lower, upper, indicator.decimals)) for colour, lower, upper in classes]
    return swatches_html([*items, (NO_DATA_RGB, NO_DATA_LABEL)], f"{indicator.label} ({indicator.unit})")


def swatches_html(items: list[tuple[tuple[int, int, int], str]], title: str) -> str:
    """A legend: a title, then a colour square before each label."""
    spans = "".join(
        f"<span style='white-space:nowrap'><span style='display:inline-block;width:14px;height:14px;"
        f"background:rgb{tuple(colour)};border:1px solid #888;vertical-align:middle;margin-right:4px'></span>"
        f"{label}</span>" for colour, label in items)
    return (f"<div style='font-size:0.85rem'><b>{title}</b><div style='display:flex;flex-wrap:wrap;"
            f"gap:0.3rem 1rem;margin-top:0.3rem'>{spans}</div></div>")
