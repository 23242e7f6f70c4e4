#!/usr/bin/env bash
# Installs what building and testing inet needs on Debian 12, then the Python test environment.
#
#   scripts/setup.sh              Debian packages + .venv (requirements-test.txt) + .venv-jobs
#   scripts/setup.sh --run        Debian packages + .venv-jobs (requirements-jobs.txt): what
#                                 `scripts/run.sh` needs (the Python that local jobs run with)
#   scripts/setup.sh --no-python  Debian packages for building and running only
#
# As root it also creates the system user `inet-job` that local jobs run as.
#
# Idempotent and quick once done: Debian packages are checked with dpkg and apt runs only when
# one is missing; a virtualenv is rebuilt only when its requirements file or the Python
# interpreter changes (a stamp file in the venv records their hash).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

with_python=1
with_tests=1
for arg in "$@"; do
  case "$arg" in
    --no-python) with_python=0 ;;
    --run) with_tests=0 ;;
    -h | --help)
      sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup.sh: unknown option '$arg' (use --run, --no-python or --help)" >&2
      exit 2
      ;;
  esac
done

log() { echo "[setup] $*" >&2; }

# Build and runtime dependencies (see docs and CMakeLists.txt for what uses each).
packages=(
  build-essential cmake ninja-build ccache pkg-config clang clang-format clang-tidy
  libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev sqlite3 libpq-dev postgresql
  libcurl4-openssl-dev libssl-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
if ((with_python)); then
  packages+=(python3-venv)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || { log "error: not root and no sudo to install: ${missing[*]}"; exit 1; }
    sudo=(sudo)
  fi
  log "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "Debian packages: all ${#packages[@]} present"
fi

# The unprivileged user local jobs run as when the server runs as root (inet server
# --job-user, default inet-job): it cannot read the server's data directory. Only root can
# create it; without root, jobs run as the server's user, confined with Landlock.
ensure_job_user() {
  local user=inet-job
  if getent passwd "$user" >/dev/null; then
    log "job user $user: present"
  elif [[ "$(id -u)" == 0 ]]; then
    useradd --system --user-group --create-home --home-dir "/var/lib/$user" \
      --shell /usr/sbin/nologin --comment "inet platform jobs" "$user"
    log "job user $user: created"
  else
    log "job user $user: not created (needs root); jobs will run as the server's user"
  fi
}
ensure_job_user

if ((!with_python)); then
  exit 0
fi

# Debian's interpreter (what python3-venv belongs to) unless PYTHON names another one.
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x /usr/bin/python3 ]]; then python=/usr/bin/python3; else python=python3; fi
fi
# ensure_venv DIR REQUIREMENTS WHAT: (re)creates DIR from REQUIREMENTS when either changed.
ensure_venv() {
  local venv="$1" requirements="$2" what="$3"
  local stamp="$venv/.inet-setup-stamp" want
  want="$( { cat "$requirements"; "$python" -c 'import sys; print(sys.version)'; } \
    | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/python" ]] \
    && "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    log "$what $venv: up to date"
    return 0
  fi
  log "creating $what in $venv ($requirements)"
  rm -f "$stamp"
  if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
  echo "$want" >"$stamp"
  log "$what ready: $("$venv/bin/python" -m pip list 2>/dev/null \
    | grep -E '^mlflow(-skinny)? ' | tr -s ' ' | paste -sd, -)"
}

# The Python local jobs run with by default (scripts/run.sh passes it as `inet server --python`).
ensure_venv .venv-jobs requirements-jobs.txt "job environment"
if ((with_tests)); then
  ensure_venv .venv requirements-test.txt "Python test environment"
fi
