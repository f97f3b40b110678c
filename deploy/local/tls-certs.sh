#!/usr/bin/env bash
# Makes a private CA and loopback certificates with openssl, for the local stack (up.sh --tls) and
# the TLS tests. Existing files are kept, so running it again changes nothing.
#
#   deploy/local/tls-certs.sh DIR
#
# DIR/ca.pem             the CA certificate (clients: --tls_ca; servers: --tls_client_ca)
# DIR/server.pem, .key   for every service on loopback (SAN IP:127.0.0.1, DNS:localhost)
# DIR/client.pem, .key   a client certificate for mTLS (services calling services, tools)
# DIR/ca.key             the CA's key: only needed to make more certificates
set -euo pipefail
dir=${1:?usage: tls-certs.sh DIR}
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"
umask 077

if [ ! -f ca.pem ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
    -subj "/CN=blooddrive local CA" -keyout ca.key -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
fi

# issue NAME CN EXTENDED_KEY_USAGE SUBJECT_ALT_NAME
issue() {
  local name=$1 cn=$2 eku=$3 san=$4
  [ -f "$name.pem" ] && return 0
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
    -keyout "$name.key" -out "$name.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
    "$eku" "$san" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
    -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}
issue server "blooddrive services (loopback)" serverAuth,clientAuth "IP:127.0.0.1,DNS:localhost"
issue client "blooddrive client" clientAuth "DNS:blooddrive-client"
# Certificates are public; keys stay 0600.
chmod 644 ca.pem server.pem client.pem
