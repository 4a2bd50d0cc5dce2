package io.dago.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The token rule every API shares. No timing test: the constant-time property comes from the design (digests). */
class AuthenticatorTest {
  private static final String FIRST = "first-token-0123456789";
  private static final String SECOND = "second-token-abcdefghij";
  private final Authenticator authenticator = new Authenticator(List.of(FIRST, SECOND));

  @Test
  void aConfiguredToken_isLetIn_underAnIdentityThatIsNotTheToken() {
    String first = authenticator.authenticate(FIRST);
    String second = authenticator.authenticate(SECOND);

    assertNotNull(first);
    assertNotNull(second);
    assertNotEquals(first, second);
    assertEquals(first, authenticator.authenticate(FIRST), "the same token is the same caller every time");
    assertFalse(first.contains(FIRST));
    assertEquals(64, first.length(), "the hex SHA-256 digest");
  }

  @Test
  void aWrongToken_ofTheSameLength_isRefused() {
    assertNull(authenticator.authenticate("first-token-0123456788"));
    assertNull(authenticator.authenticate("First-token-0123456789"));
  }

  @Test
  void tokensOfAnotherLength_prefixesAndExtensionsIncluded_areRefused() {
    assertNull(authenticator.authenticate("first-token-012345678"));
    assertNull(authenticator.authenticate(FIRST + "0"));
    assertNull(authenticator.authenticate("f"));
    assertNull(authenticator.authenticate(FIRST.repeat(100)));
  }

  @Test
  void noToken_emptyOrMissing_isRefused() {
    assertNull(authenticator.authenticate(""));
    assertNull(authenticator.authenticate(null));
  }

  @Test
  void withoutConfiguredTokens_noTokenIsRequired_andNoneMatches() {
    Authenticator open = new Authenticator(List.of());

    assertFalse(open.required());
    assertTrue(authenticator.required());
    assertNull(open.authenticate(FIRST));
  }

  @Test
  void bearerToken_readsTheSchemeInAnyCase_andNothingElse() {
    assertEquals(FIRST, Authenticator.bearerToken("Bearer " + FIRST));
    assertEquals(FIRST, Authenticator.bearerToken("bearer " + FIRST));
    assertEquals(FIRST, Authenticator.bearerToken("BEARER  " + FIRST + " "));
    assertNull(Authenticator.bearerToken(null));
    assertNull(Authenticator.bearerToken(""));
    assertNull(Authenticator.bearerToken("Bearer"));
    assertNull(Authenticator.bearerToken("Bearer "));
    assertNull(Authenticator.bearerToken("Bearer" + FIRST));
    assertNull(Authenticator.bearerToken("Basic dXNlcjpwYXNz"));
    assertNull(Authenticator.bearerToken(FIRST));
  }
}
