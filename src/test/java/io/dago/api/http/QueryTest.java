package io.dago.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QueryTest {

  @Test
  void absentQueryGivesDefaults() {
    Query query = Query.parse(null);

    assertNull(query.string("status"));
    assertEquals(50, query.intValue("limit", 1, 1000, 50));
  }

  @Test
  void emptyValueCountsAsAbsent() {
    Query query = Query.parse("status=&limit=&cursor");

    assertNull(query.string("status"));
    assertNull(query.string("cursor"));
    assertEquals(50, query.intValue("limit", 1, 1000, 50));
  }

  @Test
  void valuesArePercentDecoded() {
    assertEquals("a b+c/d", Query.parse("cursor=a+b%2Bc%2Fd").string("cursor"));
  }

  @Test
  void firstOfRepeatedParametersCounts() {
    assertEquals(7, Query.parse("limit=7&limit=9").intValue("limit", 1, 1000, 50));
  }

  @Test
  void integerWithinRangeIsAccepted() {
    Query query = Query.parse("limit=1000&after=0");

    assertEquals(1000, query.intValue("limit", 1, 1000, 50));
    assertEquals(0L, query.longValue("after", 0, Long.MAX_VALUE, 0));
  }

  @Test
  void integerOutOfRangeIsInvalidRequestNamingParameterAndRange() {
    HttpError error = assertThrows(HttpError.class, () -> Query.parse("limit=1001").intValue("limit", 1, 1000, 50));

    assertEquals(400, error.status());
    assertEquals("invalid_request", error.code());
    assertEquals("query parameter 'limit' must be an integer from 1 to 1000, not '1001'", error.getMessage());
  }

  @Test
  void nonNumberIsInvalidRequest() {
    HttpError error = assertThrows(HttpError.class, () -> Query.parse("after=-1").longValue("after", 0,
        Long.MAX_VALUE, 0));

    assertEquals("query parameter 'after' must be a non-negative integer, not '-1'", error.getMessage());
    assertEquals(400, assertThrows(HttpError.class,
        () -> Query.parse("wait=soon").intValue("wait", 0, 60, 0)).status());
  }

  @Test
  void brokenPercentEncodingIsInvalidRequest() {
    HttpError error = assertThrows(HttpError.class, () -> Query.parse("cursor=%zz"));

    assertEquals(400, error.status());
    assertTrue(error.getMessage().contains("percent-encoding"), error.getMessage());
  }
}
