#!/usr/bin/env bash
# Regenerates the x509_decode test certificates (CV-16) with OpenSSL. Every field the tests
# assert is set here; `*.modulus` files hold OpenSSL's own reading of each RSA modulus (hex).
# Keys are fresh each run, so rerunning changes moduli, signatures and key ids only.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/db"
: > "$work/db/index.txt"

cat > "$work/ca.cnf" <<'CNF'
[ca]
default_ca = local
[local]
dir = DIR
database = $dir/db/index.txt
new_certs_dir = $dir/db
serial = $dir/db/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
email_in_dn = yes
[any]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
emailAddress = optional
serialNumber = optional
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
nameConstraints = critical, permitted;DNS:.example.com, permitted;IP:10.0.0.0/255.0.0.0, excluded;email:.bad.example, excluded;URI:.evil.example
certificatePolicies = 2.23.140.1.2.1, 1.3.6.1.4.1.99999.1
policyConstraints = requireExplicitPolicy:0, inhibitPolicyMapping:2
inhibitAnyPolicy = 0
policyMappings = 1.3.6.1.4.1.99999.1:1.3.6.1.4.1.99999.2
[v3_leaf]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth, 1.2.3.4.5
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:web.example.com, DNS:www.example.com, IP:10.0.0.1, IP:2001:db8::1, email:ops@example.com, URI:https://example.com/a%20b?q=1\#frag
crlDistributionPoints = URI:http://crl.example.com/ca.crl
authorityInfoAccess = OCSP;URI:http://ocsp.example.com, caIssuers;URI:http://ca.example.com/ca.crt
[v3_plain]
basicConstraints = critical, CA:true
CNF
sed -i "s|DIR|$work|" "$work/ca.cnf"

ca() { # serial-hex days-args... : runs `openssl ca` with a fixed validity window
  echo "$1" > "$work/db/serial"; shift
  openssl ca -batch -notext -preserveDN -config "$work/ca.cnf" -startdate 20240101000000Z "$@" 2> "$work/ca.log" || { cat "$work/ca.log"; exit 1; }
}

# A CA (self-signed): serial 0x0a = 10, valid 2024-01-01 .. 2034-01-01.
openssl genrsa -out "$work/ca.key" 2048 2>/dev/null
openssl req -new -key "$work/ca.key" -subj "/C=US/ST=Utah/L=Lindon/O=Example Org/OU=Platform/CN=Example Test CA" -out "$work/ca.csr"
ca 0A -selfsign -keyfile "$work/ca.key" -in "$work/ca.csr" -enddate 20340101000000Z -extensions v3_ca -out ca.pem
openssl rsa -in "$work/ca.key" -noout -modulus | sed 's/^Modulus=//' > ca.modulus

# A leaf signed by the CA: serial 0x1234 = 4660, valid 2024-01-01 .. 2025-06-30 12:34:56.
openssl genrsa -out "$work/leaf.key" 2048 2>/dev/null
openssl req -new -key "$work/leaf.key" -subj "/O=Example Org/O=Second Org/CN=web.example.com/serialNumber=S-42" -out "$work/leaf.csr"
ca 1234 -cert ca.pem -keyfile "$work/ca.key" -in "$work/leaf.csr" -enddate 20250630123456Z -extensions v3_leaf -out leaf.pem
openssl rsa -in "$work/leaf.key" -noout -modulus | sed 's/^Modulus=//' > leaf.modulus

# A 20-byte serial (too big for 64 bits: a float64 after Go's JSON round trip).
openssl req -new -key "$work/leaf.key" -subj "/CN=big-serial" -out "$work/big.csr"
ca 7F0102030405060708090A0B0C0D0E0F10111213 -cert ca.pem -keyfile "$work/ca.key" -in "$work/big.csr" -enddate 20300101000000Z -extensions v3_plain -out big-serial.pem

# An EC certificate (Kyverno accepts RSA keys only).
openssl ecparam -name prime256v1 -genkey -noout -out "$work/ec.key"
openssl req -new -x509 -key "$work/ec.key" -subj "/CN=ec.example.com" -days 365 -out ec.pem

# RSA-PSS signature (SHA-256, MGF1-SHA-256, salt 32): Go's SHA256WithRSAPSS (13); a v1
# certificate (no extensions), serial 1.
openssl req -new -key "$work/leaf.key" -subj "/CN=pss.example.com" -out "$work/pss.csr"
openssl x509 -req -in "$work/pss.csr" -signkey "$work/leaf.key" -set_serial 1 -days 365 \
  -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -out pss.pem 2>/dev/null

# A CSR with a SAN extension request and a challenge password.
openssl req -new -key "$work/leaf.key" \
  -addext "subjectAltName = DNS:req.example.com, IP:192.168.1.2" \
  -addext "keyUsage = critical, digitalSignature" \
  -passin pass: -out "$work/req.csr" -config <(printf '[req]\nprompt=no\ndistinguished_name=dn\nattributes=attrs\n[dn]\nC=DE\nO=Req Org\nCN=req.example.com\n[attrs]\nchallengePassword=secret123\n')
cp "$work/req.csr" request.pem
cp leaf.modulus request.modulus
