"""The corpus map as the API, the CLI and the UI give it: one object, the same JSON."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MapCluster(BaseModel):
    id: int = Field(description="0 is the largest cluster, then by size.")
    label: str = Field(description="The terms that set its titles apart, e.g. 'graph, gnn'.")
    count: int = Field(description="Papers in the cluster (all of them, not only the points).")
    x: float = Field(description="Centre of its papers on the map, 0..1.")
    y: float = Field(description="Centre of its papers on the map, 0..1.")


class MapPoint(BaseModel):
    id: str
    title: str
    year: int | None
    x: float = Field(description="0..1, left to right.")
    y: float = Field(description="0..1, bottom to top.")
    cluster: int


class YearBar(BaseModel):
    year: int
    papers: int


class CorpusMap(BaseModel):
    """Every number counts the whole corpus; `points` is a sample when `sampled`."""

    version: str = Field(description="The index version the map was made from.")
    papers: int = Field(description="Papers in the corpus.")
    mapped: int = Field(description="Papers with a vector (an abstract), so on the map.")
    sampled: bool = Field(description="True when `points` holds a sample of the mapped papers.")
    clusters: list[MapCluster]
    points: list[MapPoint]
    years: list[YearBar] = Field(description="Papers per year, oldest first.")
    undated: int = Field(description="Papers without a publication year.")
