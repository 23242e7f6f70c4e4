"""ArtifactStore against the in-memory FakePlatform."""

from __future__ import annotations

import json
import os

import pytest

from inet_platform import Artifact, ArtifactStore, InvalidRequestError, NotFoundError


@pytest.fixture
def store(platform):
    return ArtifactStore(backend="local", namespace="ml-team", transport=platform)


def test_backend_names_the_kind_of_store_the_server_must_have(platform):
    ArtifactStore(transport=object())  # "server": whatever it has, nothing asked
    ArtifactStore(backend="local", transport=platform)
    for backend in ("minio", "ceph", "s3"):
        with pytest.raises(InvalidRequestError) as e:
            ArtifactStore(backend=backend, transport=platform)
        assert str(e.value) == (
            f"ArtifactStore(backend='{backend}') expects an S3-compatible store (AWS S3, MinIO, "
            "Ceph), but the server at http://inet.test keeps artifacts in a local directory on "
            "the server; use backend='local' or leave backend out, or have the server started "
            "with an artifact store of that kind")
    platform.store_kind = "s3"
    for backend in ("minio", "ceph", "s3", "server"):
        assert ArtifactStore(backend=backend, transport=platform).store_kind == "s3"
    with pytest.raises(InvalidRequestError) as e:
        ArtifactStore(backend="local", transport=platform)
    assert "expects a local directory on the server" in str(e.value)
    platform.store_kind = None  # an older server: only local stores existed
    assert ArtifactStore(backend="local", transport=platform).store_kind == "local"
    with pytest.raises(ValueError) as e:
        ArtifactStore(backend="gcs", transport=object())
    assert "server, local, s3, minio, ceph" in str(e.value)


def test_seed_snippet_round_trip(store, platform, tmp_path, monkeypatch):
    model = tmp_path / "model.pt"
    model.write_bytes(b"\x00weights" * 1000)
    saved = store.save_artifact("models/bert/model.pt", str(model),
                                metadata={"accuracy": 0.92, "framework": "torch"})
    put = platform.last("PUT")
    assert put.path == "/api/v1/artifacts/ml-team/models/bert/model.pt"
    assert json.loads(put.headers["x-inet-artifact-metadata"]) == \
        {"accuracy": 0.92, "framework": "torch"}
    assert put.body == model.read_bytes()
    assert saved.path == "models/bert/model.pt" and saved.size == 8000
    assert saved.uri == "mlflow-artifacts:/platform/ml-team/models/bert/model.pt"

    listed = store.list_artifacts("models/")
    assert [a.path for a in listed] == ["models/bert/model.pt"]
    a = listed[0]
    assert a.size_mb == pytest.approx(8000 / 1048576)
    assert a.created.tzinfo is not None and a.created.year == 2023
    assert a.metadata == {"accuracy": 0.92, "framework": "torch"}

    out = tmp_path / "out" / "copy.pt"
    assert store.load_artifact("models/bert/model.pt", str(out)) == str(out)
    assert out.read_bytes() == model.read_bytes()
    monkeypatch.chdir(tmp_path / "out")
    assert store.load_artifact("models/bert/model.pt") == "model.pt"
    assert (tmp_path / "out" / "model.pt").read_bytes() == model.read_bytes()
    assert store.load_artifact("models/bert/model.pt", tmp_path) == str(tmp_path / "model.pt")

    store.delete_artifact("models/bert/model.pt")
    assert store.list_artifacts() == []
    with pytest.raises(NotFoundError):
        store.load_artifact("models/bert/model.pt", str(tmp_path / "gone.pt"))
    assert not (tmp_path / "gone.pt").exists()
    assert [f for f in os.listdir(tmp_path) if f.startswith(".inet-download-")] == []


def test_failed_download_keeps_the_existing_file(store, tmp_path):
    existing = tmp_path / "model.pt"
    existing.write_bytes(b"old")
    with pytest.raises(NotFoundError):
        store.load_artifact("missing.pt", str(existing))
    assert existing.read_bytes() == b"old"


def test_listing_follows_pages_and_prefix(store, platform, tmp_path):
    platform.page_size_cap = 2
    f = tmp_path / "f"
    f.write_bytes(b"abc")
    for name in ("models/a", "models/b", "models/c", "data/x", "models/d"):
        store.save_artifact(name, f)
    assert [a.path for a in store.list_artifacts("models/")] == \
        ["models/a", "models/b", "models/c", "models/d"]
    assert platform.last().query["prefix"] == ["models/"]
    assert len(store.list_artifacts()) == 5
    assert "prefix" not in platform.last().query


def test_bad_paths_and_metadata(store, platform, tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"x")
    with pytest.raises(ValueError):
        store.save_artifact("/etc/passwd", f)
    with pytest.raises(InvalidRequestError):
        store.save_artifact("a/../../b", f)
    with pytest.raises(TypeError):
        store.save_artifact("a", f, metadata={"when": object()})
    with pytest.raises(TypeError):
        store.save_artifact("a", f, metadata={1: "x"})
    with pytest.raises(ValueError):
        store.save_artifact("a", f, metadata={"loss": float("nan")})
    # Only the ".." path reached the server (which refused it); bad metadata never leaves.
    assert [r.path for r in platform.requests if r.method == "PUT"] == \
        ["/api/v1/artifacts/ml-team/a/../../b"]


def test_nested_metadata_as_in_the_article(store, platform, tmp_path):
    f = tmp_path / "final_model.pt"
    f.write_bytes(b"x")
    metadata = {"model_type": "BERT", "framework": "pytorch", "dataset": "wikitext-103",
                "hyperparams": {"lr": 1e-5, "batch_size": 32, "epochs": 3}, "ok": True}
    saved = store.save_artifact(path="bert-finetuning/v2/model.pt", local_file=str(f),
                                metadata=metadata)
    assert json.loads(platform.last("PUT").headers["x-inet-artifact-metadata"]) == metadata
    assert saved.metadata == metadata


def test_a_folder_is_saved_file_by_file(store, platform, tmp_path):
    final = tmp_path / "checkpoints" / "final"
    (final / "sub").mkdir(parents=True)
    (final / "config.json").write_text("{}")
    (final / "sub" / "model.safetensors").write_bytes(b"w" * 10)
    saved = store.save_artifact("bert-sentiment/v3/model/", str(final),
                                metadata={"accuracy": 0.942})
    assert [a.path for a in saved] == ["bert-sentiment/v3/model/config.json",
                                       "bert-sentiment/v3/model/sub/model.safetensors"]
    assert [a.size for a in saved] == [2, 10]
    assert all(a.metadata == {"accuracy": 0.942} for a in saved)
    assert [a.path for a in store.list_artifacts("bert-sentiment/")] == \
        [a.path for a in saved]
    with pytest.raises(FileNotFoundError):
        store.save_artifact("a", tmp_path / "missing")


def test_paths_are_percent_encoded(store, platform, tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"x")
    store.save_artifact("reports/q1 summary#1.txt", f)
    assert platform.last("PUT").raw_path == \
        "/api/v1/artifacts/ml-team/reports/q1%20summary%231.txt"
    assert [a.path for a in store.list_artifacts()] == ["reports/q1 summary#1.txt"]


def test_artifact_from_json_defaults():
    a = Artifact.from_json({"path": "p"})
    assert (a.size, a.created, a.metadata, a.uri, a.size_mb) == (0, None, {}, "", 0.0)
