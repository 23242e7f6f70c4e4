"""Many concurrent clients: 64 writers (INET_E2E_CLIENTS) log batches for INET_E2E_LOAD_SECONDS
(default 30) with a read mixed in; no request may fail and every acknowledged point is stored."""

import os
import secrets
import threading
import time

from mlflow import MlflowClient

CLIENTS = int(os.environ.get("INET_E2E_CLIENTS", "64"))
SECONDS = float(os.environ.get("INET_E2E_LOAD_SECONDS", "30"))
BATCH = 20


def test_concurrent_clients_lose_nothing(server):
    exp = MlflowClient(server.url).create_experiment(f"load-{secrets.token_hex(4)}")
    acked: dict[str, int] = {}
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)
    deadline_box: list[float] = []

    def client(index: int) -> None:
        session = server.session()
        base = server.url + "/api/2.0/mlflow"
        try:
            resp = session.post(base + "/runs/create", json={
                "experiment_id": exp, "run_name": f"client-{index}",
                "start_time": int(time.time() * 1000)}, timeout=120)
            if resp.status_code != 200:
                raise RuntimeError(f"HTTP {resp.status_code}: {resp.text[:200]}")
            run_id = resp.json()["run"]["info"]["run_id"]
        except Exception as e:  # noqa: BLE001 - every failure is reported below
            with lock:
                errors.append(f"client {index} create: {e!r}")
            start.abort()
            return
        try:
            start.wait(timeout=300)
        except threading.BrokenBarrierError:
            return
        with lock:
            if not deadline_box:
                deadline_box.append(time.monotonic() + SECONDS)
        deadline = deadline_box[0]
        step, iteration = 0, 0
        while time.monotonic() < deadline:
            iteration += 1
            now = int(time.time() * 1000)
            body = {"run_id": run_id, "metrics": [
                {"key": "c", "value": step + i, "timestamp": now, "step": step + i}
                for i in range(BATCH)]}
            if iteration % 10 == 1:
                body["params"] = [{"key": f"p{iteration}", "value": str(iteration)}]
                body["tags"] = [{"key": "progress", "value": str(step)}]
            try:
                resp = session.post(base + "/runs/log-batch", json=body, timeout=120)
                if resp.status_code != 200:
                    raise RuntimeError(f"HTTP {resp.status_code}: {resp.text[:200]}")
                step += BATCH
                if iteration % 5 == 0:
                    got = session.get(base + "/runs/get", params={"run_id": run_id},
                                      timeout=120)
                    if got.status_code != 200:
                        raise RuntimeError(f"runs/get HTTP {got.status_code}: {got.text[:200]}")
            except Exception as e:  # noqa: BLE001 - every failure is reported below
                with lock:
                    errors.append(f"client {index} iteration {iteration}: {e!r}")
                break
        with lock:
            acked[run_id] = step

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors, f"{len(errors)} failed requests, first: {errors[:5]}"
    assert len(acked) == CLIENTS
    assert sum(acked.values()) > 0
    reader = MlflowClient(server.url)
    for run_id, count in acked.items():
        history = reader.get_metric_history(run_id, "c")
        assert len(history) == count, f"run {run_id}: stored {len(history)}, acknowledged {count}"
        assert sorted(m.step for m in history) == list(range(count))
    runs = reader.search_runs([exp], max_results=1000)
    assert len(runs) == CLIENTS
    print(f"{CLIENTS} clients, {SECONDS:.0f}s: {sum(acked.values())} points acknowledged "
          f"and stored")
