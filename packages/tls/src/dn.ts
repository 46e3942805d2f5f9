/**
 * X.500 names as Java prints them with X500Principal.getName() (RFC 2253 form), which is what ZooKeeper's
 * X509AuthenticationProvider uses as a client's `x509` id: RDNs last-to-first joined by ",", multi-valued RDNs
 * by "+", the keywords CN C L ST O OU STREET DC UID, every other attribute as its dotted OID with the value's DER
 * in hex ("#..."); string values escaped as sun.security.x509.AVA.toRFC2253String does. Pure.
 */
import { children, DerError, encodingOf, expectTag, oidString, readTlv, root, TAG, valueOf, type Tlv } from "./der.js";

/** AVAKeyword's RFC 2253 keywords. */
const RFC2253_KEYWORDS: Readonly<Record<string, string>> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.9": "STREET",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
};

/** The string types AVA.isDerString accepts (non-canonical form). */
const STRING_TAGS = new Set<number>([
  TAG.UTF8_STRING,
  TAG.PRINTABLE_STRING,
  TAG.T61_STRING,
  TAG.IA5_STRING,
  TAG.GENERAL_STRING,
  TAG.BMP_STRING,
  TAG.UNIVERSAL_STRING,
]);

/** AVA.toRFC2253String's escapees. */
const ESCAPEES = ',=+<>#;"\\';

function decodeString(tag: number, v: Buffer): string {
  switch (tag) {
    case TAG.BMP_STRING: {
      let s = "";
      for (let i = 0; i + 1 < v.length; i += 2) s += String.fromCharCode(v.readUInt16BE(i));
      return s;
    }
    case TAG.UNIVERSAL_STRING: {
      let s = "";
      for (let i = 0; i + 3 < v.length; i += 4) s += String.fromCodePoint(v.readUInt32BE(i));
      return s;
    }
    case TAG.UTF8_STRING:
      return v.toString("utf8");
    default:
      // PrintableString, IA5String, T61String, GeneralString: one byte per char (Java reads them as ISO-8859-1)
      return v.toString("latin1");
  }
}

function escapeValue(raw: string): string {
  let s = "";
  for (const c of raw) {
    if (ESCAPEES.includes(c)) s += "\\" + c;
    else if (c === "\u0000") s += "\\00";
    else s += c;
  }
  // Leading and trailing spaces (and CRs) are escaped.
  const chars = [...s];
  let lead = 0;
  while (lead < chars.length && (chars[lead] === " " || chars[lead] === "\r")) lead++;
  let trail = chars.length - 1;
  while (trail >= 0 && (chars[trail] === " " || chars[trail] === "\r")) trail--;
  let out = "";
  for (let i = 0; i < chars.length; i++) out += (i < lead || i > trail ? "\\" : "") + chars[i];
  return out;
}

function avaString(der: Uint8Array, ava: Tlv): string {
  const [typeTlv, valueTlv] = children(der, expectTag(ava, TAG.SEQUENCE, "AttributeTypeAndValue"));
  if (typeTlv === undefined || valueTlv === undefined) throw new DerError("short AttributeTypeAndValue");
  const oid = oidString(der, expectTag(typeTlv, TAG.OID, "attribute type"));
  const keyword = RFC2253_KEYWORDS[oid];
  if (keyword === undefined || !STRING_TAGS.has(valueTlv.tag)) {
    return `${keyword ?? oid}=#${encodingOf(der, valueTlv).toString("hex")}`;
  }
  return `${keyword}=${escapeValue(decodeString(valueTlv.tag, valueOf(der, valueTlv)))}`;
}

/** A DER-encoded Name (SEQUENCE OF RDN) in X500Principal.getName() form. */
export function nameToRfc2253(nameDer: Uint8Array): string {
  return nameTlvToRfc2253(nameDer, root(nameDer));
}

function nameTlvToRfc2253(der: Uint8Array, name: Tlv): string {
  const rdns = children(der, expectTag(name, TAG.SEQUENCE, "Name"));
  const parts: string[] = [];
  for (let i = rdns.length - 1; i >= 0; i--) {
    const avas = children(der, expectTag(rdns[i]!, TAG.SET, "RelativeDistinguishedName"));
    parts.push(avas.map((a) => avaString(der, a)).join("+"));
  }
  return parts.join(",");
}

/** The subject of a DER certificate, as X509Certificate.getSubjectX500Principal().getName() prints it. */
export function certificateSubject(certDer: Uint8Array): string {
  const cert = expectTag(root(certDer), TAG.SEQUENCE, "Certificate");
  const tbs = expectTag(readTlv(certDer, cert.start, cert.end), TAG.SEQUENCE, "TBSCertificate");
  const fields = children(certDer, tbs);
  // [0] EXPLICIT version is optional; then serialNumber, signature, issuer, validity, subject.
  const skip = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[skip + 4];
  if (subject === undefined) throw new DerError("certificate without a subject");
  return nameTlvToRfc2253(certDer, subject);
}
