"""An independent check of the JSF (0.82) signatures cargo sbom embeds in CycloneDX:
    python3 jsf-verify.py FILE [PUBKEY.pem]
Written apart from the Rust code it checks, on other libraries: rfc8785 (Trail of Bits' RFC 8785
canonical JSON) and pyca/cryptography. Single signer and multisignature ('signers'); ES256/384/512
(raw r||s, as JWA and JSF write them), Ed25519, RS*/PS*. With PUBKEY, the signature must verify
with that key; without, with the embedded JWK. Prints PASS or FAIL (exit 1).
CI installs the two packages (pinned) in a venv of its own; see .ci/run."""
import base64, copy, json, sys
import rfc8785
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

def b64u(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
CURVES = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}
HASH = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}

def jwk_to_key(j):
    if j["kty"] == "EC":
        return ec.EllipticCurvePublicNumbers(int.from_bytes(b64u(j["x"]), "big"), int.from_bytes(b64u(j["y"]), "big"),
                                             CURVES[j["crv"]]).public_key()
    if j["kty"] == "OKP" and j["crv"] == "Ed25519":
        return ed25519.Ed25519PublicKey.from_public_bytes(b64u(j["x"]))
    if j["kty"] == "RSA":
        return rsa.RSAPublicNumbers(int.from_bytes(b64u(j["e"]), "big"), int.from_bytes(b64u(j["n"]), "big")).public_key()
    raise ValueError(f"unsupported JWK {j}")

def verify_raw(alg, key, sig, data):
    if alg.startswith("ES"):
        n = (key.curve.key_size + 7) // 8
        if len(sig) != 2 * n:
            raise ValueError(f"{alg}: signature is {len(sig)} bytes, JWA wants raw r||s of {2*n} (DER is not JSF)")
        r, s = int.from_bytes(sig[:n], "big"), int.from_bytes(sig[n:], "big")
        key.verify(utils.encode_dss_signature(r, s), data, ec.ECDSA(HASH[alg[2:]]))
    elif alg == "Ed25519":
        key.verify(sig, data)
    elif alg.startswith("RS"):
        key.verify(sig, data, padding.PKCS1v15(), HASH[alg[2:]])
    elif alg.startswith("PS"):
        h = HASH[alg[2:]]
        key.verify(sig, data, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
    else:
        raise ValueError(f"unsupported algorithm {alg}")

def signing_input(doc, prop, signer_index=None):
    """JCS bytes that were signed: the whole object with the signature object in place but without
    'value'; properties named in 'excludes' and 'excludes' itself are left out (as the JSF test vectors do);
    for 'signers', only the signer being checked stays in the array."""
    d = copy.deepcopy(doc)
    sigobj = d[prop]
    for name in sigobj.pop("excludes", []):
        d.pop(name, None)
    if signer_index is None:
        sigobj.pop("value")
    else:
        one = sigobj["signers"][signer_index]
        one.pop("value")
        sigobj["signers"] = [one]
    return rfc8785.dumps(d)

def verify(doc, prop="signature", pem=None):
    sigobj = doc[prop]
    signers = [(None, sigobj)] if "signers" not in sigobj else list(enumerate(sigobj["signers"]))
    for idx, s in signers:
        key = serialization.load_pem_public_key(pem) if pem else jwk_to_key(s["publicKey"])
        verify_raw(s["algorithm"], key, b64u(s["value"]), signing_input(doc, prop, idx))
    return len(signers)

if __name__ == "__main__":
    doc = json.load(open(sys.argv[1], encoding="utf-8"))
    pem = open(sys.argv[2], "rb").read() if len(sys.argv) > 2 else None
    try:
        n = verify(doc, "signature", pem)
        print(f"PASS jsf {sys.argv[1]}: {n} signature(s) verified")
    except Exception as e:
        print(f"FAIL jsf {sys.argv[1]}: {type(e).__name__}: {e}"); sys.exit(1)
