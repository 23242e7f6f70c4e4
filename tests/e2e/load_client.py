"""Sustained log_batch load from a separate process, recording every acknowledged batch.

    python load_client.py URL EXPERIMENT_ID ACK_FILE [--threads N] [--seconds S] [--batch B]

Each thread creates one run and logs batches of B points of metric "m" with consecutive steps
through the real MlflowClient. After the server acknowledges a batch (HTTP 200) the thread
appends "<run_id> <first_step> <last_step>" to ACK_FILE and flushes it; the crash tests compare
the acknowledged steps with what the server stored after a restart. A thread stops at the first
error (the server is expected to die under it); the process exits 0 either way.
"""

import argparse
import threading
import time

from mlflow import MlflowClient
from mlflow.entities import Metric


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("experiment_id")
    parser.add_argument("ack_file")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()

    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds
    ack = open(args.ack_file, "a", buffering=1)

    def work() -> None:
        client = MlflowClient(args.url)
        try:
            run_id = client.create_run(args.experiment_id).info.run_id
        except Exception:  # noqa: BLE001 - the server may already be gone
            return
        step = 0
        while time.monotonic() < deadline:
            now = int(time.time() * 1000)
            metrics = [Metric("m", float(step + i), now, step + i) for i in range(args.batch)]
            try:
                client.log_batch(run_id, metrics=metrics)
            except Exception:  # noqa: BLE001 - any failure means "not acknowledged"
                return
            with lock:
                ack.write(f"{run_id} {step} {step + args.batch - 1}\n")
                ack.flush()
            step += args.batch

    threads = [threading.Thread(target=work) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ack.close()


if __name__ == "__main__":
    main()
