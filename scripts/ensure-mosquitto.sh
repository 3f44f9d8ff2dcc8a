#!/usr/bin/env bash
# The MQTT tests of the monitoring app need a real broker: install Debian's mosquitto when its
# binary is missing (needs root or sudo). The tests start their own broker on a free port.
set -euo pipefail
command -v mosquitto >/dev/null 2>&1 && exit 0
[ -x /usr/sbin/mosquitto ] && exit 0
echo "installing Debian package: mosquitto"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq >/dev/null
$sudo_cmd apt-get install -y -qq --no-install-recommends mosquitto >/dev/null
