package io.dago.api.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RequestBodyTest {

  @Test
  void isJson_acceptsJsonWithOrWithoutUtf8Charset() {
    assertTrue(RequestBody.isJson("application/json"));
    assertTrue(RequestBody.isJson("Application/JSON"));
    assertTrue(RequestBody.isJson("application/json; charset=utf-8"));
    assertTrue(RequestBody.isJson("application/json;charset=\"UTF-8\""));
  }

  @Test
  void isJson_rejectsOtherTypesAndCharsets() {
    assertFalse(RequestBody.isJson(null));
    assertFalse(RequestBody.isJson("text/plain"));
    assertFalse(RequestBody.isJson("application/jsonx"));
    assertFalse(RequestBody.isJson("application/x-www-form-urlencoded"));
    assertFalse(RequestBody.isJson("application/json; charset=iso-8859-1"));
  }
}
