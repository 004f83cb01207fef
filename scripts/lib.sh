# Shared set-up for scripts/*.sh (sourced, not run).

# Debian packages the build links against (see reference/toolchain.md).
EDGEAGENT_APT_PACKAGES=(libopenblas-dev liblapacke-dev libsentencepiece-dev libreadline-dev libsqlite3-dev poppler-utils pkg-config
                        openmpi-bin libopenmpi-dev)   # MPI: optional at build time; the distributed tests run mpirun

ensure_system_packages() {
    local missing=()
    for p in "${EDGEAGENT_APT_PACKAGES[@]}"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing system packages: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}
