package io.dago.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A certificate for {@code localhost} and {@code 127.0.0.1} with its private key, made by {@code openssl} into a
 * directory, exactly as the README tells an operator to make one for testing; and the client side, an
 * {@link SSLContext} that trusts it and nothing else.
 */
public record SelfSignedCertificate(Path cert, Path key) {
  private static final String OPENSSL = Files.isExecutable(Path.of("/usr/bin/openssl")) ? "/usr/bin/openssl" : "openssl";

  /** An RSA 2048 key, in PKCS#8 ({@code BEGIN PRIVATE KEY}). */
  public static SelfSignedCertificate rsa(Path dir) {
    return make(dir, "rsa", "rsa:2048");
  }

  /** An EC key on P-256, in PKCS#8. */
  public static SelfSignedCertificate ec(Path dir) {
    return make(dir, "ec", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1");
  }

  private static SelfSignedCertificate make(Path dir, String name, String... newKey) {
    Path cert = dir.resolve(name + "-cert.pem");
    Path key = dir.resolve(name + "-key.pem");
    List<String> command = new ArrayList<>(List.of("req", "-x509", "-newkey"));
    command.addAll(List.of(newKey));
    command.addAll(List.of("-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "30",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"));
    openssl(command.toArray(String[]::new));
    return new SelfSignedCertificate(cert, key);
  }

  /**
   * Runs openssl and returns what it printed.
   *
   * @throws IllegalStateException with its output when it fails
   */
  public static String openssl(String... arguments) {
    List<String> command = new ArrayList<>(List.of(OPENSSL));
    command.addAll(List.of(arguments));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + OPENSSL, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running openssl", e);
    }
  }

  /** A client context that trusts this certificate only. */
  public SSLContext clientContext() {
    try (InputStream in = Files.newInputStream(cert)) {
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      trusted.setCertificateEntry("dago", CertificateFactory.getInstance("X.509").generateCertificate(in));
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
