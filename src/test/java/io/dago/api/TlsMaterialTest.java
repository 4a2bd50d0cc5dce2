package io.dago.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.config.ConfigException;
import io.dago.testing.SelfSignedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading PEM files made by openssl, and refusing bad ones with one line that names the variable. */
class TlsMaterialTest {
  @TempDir
  Path dir;

  @Test
  void rsaKeyInPkcs8_isLoadedWithItsChain() {
    SelfSignedCertificate pair = SelfSignedCertificate.rsa(dir);

    TlsMaterial tls = TlsMaterial.load(pair.cert(), pair.key());

    assertEquals("RSA", tls.key().getAlgorithm());
    assertEquals(1, tls.chain().length);
    assertTrue(tls.describe().startsWith("CN=localhost, RSA, valid until "), tls.describe());
    assertTrue(tls.validAt(Instant.now()));
    assertEquals("TLS", tls.sslContext().getProtocol());
  }

  @Test
  void ecKeyInPkcs8_isLoaded() {
    SelfSignedCertificate pair = SelfSignedCertificate.ec(dir);

    assertEquals("EC", TlsMaterial.load(pair.cert(), pair.key()).key().getAlgorithm());
  }

  @Test
  void rsaKeyInPkcs1_isLoaded() throws Exception {
    SelfSignedCertificate pair = SelfSignedCertificate.rsa(dir);
    Path pkcs1 = dir.resolve("pkcs1.pem");
    SelfSignedCertificate.openssl("rsa", "-in", pair.key().toString(), "-traditional", "-out", pkcs1.toString());
    assertTrue(Files.readString(pkcs1).contains("BEGIN RSA PRIVATE KEY"));

    assertEquals("RSA", TlsMaterial.load(pair.cert(), pkcs1).key().getAlgorithm());
  }

  @Test
  void certificateFileWithoutCertificate_namesDagoTlsCert() throws Exception {
    SelfSignedCertificate pair = SelfSignedCertificate.rsa(dir);
    Path notPem = Files.writeString(dir.resolve("cert.txt"), "not a certificate\n");

    ConfigException e = assertThrows(ConfigException.class, () -> TlsMaterial.load(notPem, pair.key()));

    assertEquals("DAGO_TLS_CERT: " + notPem + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        e.getMessage());
  }

  @Test
  void damagedCertificate_namesDagoTlsCert() throws Exception {
    SelfSignedCertificate pair = SelfSignedCertificate.rsa(dir);
    Path damaged = Files.writeString(dir.resolve("damaged.pem"),
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

    ConfigException e = assertThrows(ConfigException.class, () -> TlsMaterial.load(damaged, pair.key()));

    assertTrue(e.getMessage().startsWith("DAGO_TLS_CERT: " + damaged + " holds a certificate that cannot be read"),
        e.getMessage());
  }

  @Test
  void keyFileHoldingOnlyACertificate_namesDagoTlsKey() {
    SelfSignedCertificate pair = SelfSignedCertificate.rsa(dir);

    ConfigException e = assertThrows(ConfigException.class, () -> TlsMaterial.load(pair.cert(), pair.cert()));

    assertTrue(e.getMessage().startsWith("DAGO_TLS_KEY: " + pair.cert() + " holds no PEM private key"),
        e.getMessage());
  }

  @Test
  void keyOfAnotherCertificate_namesDagoTlsKey() throws Exception {
    SelfSignedCertificate one = SelfSignedCertificate.rsa(Files.createDirectory(dir.resolve("one")));
    SelfSignedCertificate other = SelfSignedCertificate.rsa(Files.createDirectory(dir.resolve("other")));

    ConfigException e = assertThrows(ConfigException.class, () -> TlsMaterial.load(one.cert(), other.key()));

    assertEquals("DAGO_TLS_KEY: the key in " + other.key() + " does not belong to the certificate in " + one.cert()
        + " (DAGO_TLS_CERT)", e.getMessage());
  }

  @Test
  void encryptedKey_isRefusedWithTheCommandThatDecryptsIt() {
    SelfSignedCertificate pair = SelfSignedCertificate.rsa(dir);
    Path encrypted = dir.resolve("encrypted.pem");
    SelfSignedCertificate.openssl("pkcs8", "-topk8", "-in", pair.key().toString(), "-passout", "pass:secret",
        "-out", encrypted.toString());

    ConfigException e = assertThrows(ConfigException.class, () -> TlsMaterial.load(pair.cert(), encrypted));

    assertTrue(e.getMessage().startsWith("DAGO_TLS_KEY: " + encrypted + " holds an encrypted key"), e.getMessage());
    assertTrue(e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), e.getMessage());
  }

  @Test
  void ecKeyInSec1_isRefusedWithTheCommandThatConvertsIt() throws Exception {
    SelfSignedCertificate pair = SelfSignedCertificate.ec(dir);
    Path sec1 = dir.resolve("sec1.pem");
    SelfSignedCertificate.openssl("ec", "-in", pair.key().toString(), "-out", sec1.toString());
    assertTrue(Files.readString(sec1).contains("BEGIN EC PRIVATE KEY"));

    ConfigException e = assertThrows(ConfigException.class, () -> TlsMaterial.load(pair.cert(), sec1));

    assertTrue(e.getMessage().startsWith("DAGO_TLS_KEY: " + sec1 + " holds an EC key in the SEC1 format"),
        e.getMessage());
  }
}
