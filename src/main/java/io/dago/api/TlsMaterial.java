package io.dago.api;

import io.dago.config.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The server's certificate chain and private key, read once from PEM files ({@code DAGO_TLS_CERT},
 * {@code DAGO_TLS_KEY}) and shared by the three APIs: HTTPS and WSS take {@link #sslContext()}, gRPC builds its
 * Netty context from {@link #key()} and {@link #chain()}, so all three serve the same certificate.
 *
 * <p>The key may be PKCS#8 ({@code BEGIN PRIVATE KEY}, what {@code openssl req -newkey} and {@code openssl genpkey}
 * write) holding an RSA or EC key, or PKCS#1 ({@code BEGIN RSA PRIVATE KEY}). Encrypted keys and SEC1 EC keys
 * ({@code BEGIN EC PRIVATE KEY}) are refused with the {@code openssl} command that converts them. Every problem
 * is a {@link ConfigException} naming the variable, so start-up ends with one line rather than a stack trace.
 */
public final class TlsMaterial {
  static final String CERT_VARIABLE = "DAGO_TLS_CERT";
  static final String KEY_VARIABLE = "DAGO_TLS_KEY";
  private static final Pattern PEM_BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
  private static final char[] NO_PASSWORD = new char[0];
  /** DER of the AlgorithmIdentifier {@code rsaEncryption} (1.2.840.113549.1.1.1) with NULL parameters. */
  private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
      (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

  private final X509Certificate[] chain;
  private final PrivateKey key;
  private final SSLContext sslContext;

  private TlsMaterial(X509Certificate[] chain, PrivateKey key, SSLContext sslContext) {
    this.chain = chain;
    this.key = key;
    this.sslContext = sslContext;
  }

  /**
   * Reads and checks both files: the chain must hold at least one certificate, the key must parse and must belong
   * to the first certificate.
   *
   * @throws ConfigException naming {@code DAGO_TLS_CERT} or {@code DAGO_TLS_KEY} and what is wrong with it
   */
  public static TlsMaterial load(Path certFile, Path keyFile) {
    X509Certificate[] chain = readChain(certFile);
    PrivateKey key = readKey(keyFile);
    checkPair(chain[0], key, certFile, keyFile);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("dago", key, NO_PASSWORD, chain);
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, NO_PASSWORD);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return new TlsMaterial(chain, key, context);
    } catch (GeneralSecurityException | IOException e) {
      throw new ConfigException(CERT_VARIABLE + " and " + KEY_VARIABLE + ": the JDK cannot serve TLS with this "
          + "certificate and key: " + e.getMessage());
    }
  }

  /** For HTTPS and WSS. */
  public SSLContext sslContext() {
    return sslContext;
  }

  /** The certificate chain, the server's own certificate first. */
  public X509Certificate[] chain() {
    return chain.clone();
  }

  public PrivateKey key() {
    return key;
  }

  /** For the start-up log: whose certificate it is and until when. */
  public String describe() {
    X509Certificate leaf = chain[0];
    return leaf.getSubjectX500Principal().getName() + ", " + key.getAlgorithm() + ", valid until "
        + leaf.getNotAfter().toInstant();
  }

  /** Whether the server's certificate is valid at that instant; start-up warns when it is not, but serves it. */
  public boolean validAt(Instant instant) {
    X509Certificate leaf = chain[0];
    return !instant.isBefore(leaf.getNotBefore().toInstant()) && !instant.isAfter(leaf.getNotAfter().toInstant());
  }

  private static X509Certificate[] readChain(Path file) {
    List<X509Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Block block : blocks(CERT_VARIABLE, file)) {
        if (block.type().equals("CERTIFICATE")) {
          chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
        }
      }
    } catch (CertificateException e) {
      throw new ConfigException(CERT_VARIABLE + ": " + file + " holds a certificate that cannot be read: "
          + e.getMessage());
    }
    if (chain.isEmpty()) {
      throw new ConfigException(CERT_VARIABLE + ": " + file + " holds no PEM certificate "
          + "(-----BEGIN CERTIFICATE-----)");
    }
    return chain.toArray(X509Certificate[]::new);
  }

  private static PrivateKey readKey(Path file) {
    for (Block block : blocks(KEY_VARIABLE, file)) {
      switch (block.type()) {
        case "PRIVATE KEY" -> {
          return pkcs8(file, block.der());
        }
        case "RSA PRIVATE KEY" -> {
          return pkcs8(file, rsaPkcs1ToPkcs8(block.der()));
        }
        case "ENCRYPTED PRIVATE KEY" -> throw new ConfigException(KEY_VARIABLE + ": " + file + " holds an "
            + "encrypted key; dago needs it unencrypted: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem");
        case "EC PRIVATE KEY" -> throw new ConfigException(KEY_VARIABLE + ": " + file + " holds an EC key in the "
            + "SEC1 format; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem");
        default -> {
          // Certificates or parameters in the same file: look further.
        }
      }
    }
    throw new ConfigException(KEY_VARIABLE + ": " + file + " holds no PEM private key "
        + "(-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)");
  }

  /** RSA first, then EC: the two kinds of key TLS servers use. */
  private static PrivateKey pkcs8(Path file, byte[] der) {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : List.of("RSA", "EC")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException e) {
        // Not this kind of key; try the next.
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("the JDK has no " + algorithm + " key factory", e);
      }
    }
    throw new ConfigException(KEY_VARIABLE + ": " + file + " holds a private key that is neither RSA nor EC, or is "
        + "damaged");
  }

  /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo: version 0, the RSA algorithm, the key as octets. */
  private static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {0x02, 0x01, 0x00});
    body.writeBytes(RSA_ALGORITHM);
    body.write(0x04);
    body.writeBytes(derLength(pkcs1.length));
    body.writeBytes(pkcs1);
    ByteArrayOutputStream info = new ByteArrayOutputStream();
    info.write(0x30);
    info.writeBytes(derLength(body.size()));
    info.writeBytes(body.toByteArray());
    return info.toByteArray();
  }

  private static byte[] derLength(int length) {
    if (length < 0x80) {
      return new byte[] {(byte) length};
    }
    int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
    byte[] encoded = new byte[bytes + 1];
    encoded[0] = (byte) (0x80 | bytes);
    for (int i = bytes; i > 0; i--) {
      encoded[i] = (byte) length;
      length >>>= 8;
    }
    return encoded;
  }

  /** Signs with the key and verifies with the certificate: a mismatched pair would only fail at every handshake. */
  private static void checkPair(X509Certificate certificate, PrivateKey key, Path certFile, Path keyFile) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> throw new IllegalStateException("unexpected key algorithm " + key.getAlgorithm());
    };
    byte[] probe = "dago".getBytes(StandardCharsets.US_ASCII);
    boolean matches;
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      matches = false;
    }
    if (!matches) {
      throw new ConfigException(KEY_VARIABLE + ": the key in " + keyFile + " does not belong to the certificate in "
          + certFile + " (" + CERT_VARIABLE + ")");
    }
  }

  private record Block(String type, byte[] der) {}

  private static List<Block> blocks(String variable, Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new ConfigException(variable + ": " + file + " cannot be read: " + e.getMessage());
    }
    List<Block> blocks = new ArrayList<>();
    Matcher matcher = PEM_BLOCK.matcher(text);
    while (matcher.find()) {
      try {
        blocks.add(new Block(matcher.group(1), Base64.getMimeDecoder().decode(matcher.group(2))));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(variable + ": " + file + " holds a damaged PEM block (" + matcher.group(1) + "): "
            + e.getMessage());
      }
    }
    return blocks;
  }
}
