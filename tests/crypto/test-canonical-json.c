/* test-canonical-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Canonical JSON held against the examples of the Matrix appendix, the
 * escapes of its grammar, and the values it has no form for.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>

#include "handset-canonical-json.h"

static JsonNode *
parse (const char *json)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static char *
canonical_of (const char *json)
{
  g_autoptr (JsonNode) node = parse (json);
  g_autoptr (GError) error = NULL;
  char *canonical = handset_canonical_json (node, &error);

  g_assert_no_error (error);
  g_assert_nonnull (canonical);
  return canonical;
}

static void
assert_rejected (JsonNode *node)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *canonical = handset_canonical_json (node, &error);

  g_assert_null (canonical);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

/* The examples of the appendix, "Canonical JSON". */
static void
test_spec_examples (void)
{
  const struct
  {
    const char *input;
    const char *canonical;
  } examples[] = {
    { "{}", "{}" },
    { "{\n    \"one\": 1,\n    \"two\": \"Two\"\n}", "{\"one\":1,\"two\":\"Two\"}" },
    { "{\n    \"b\": \"2\",\n    \"a\": \"1\"\n}", "{\"a\":\"1\",\"b\":\"2\"}" },
    { "{\"b\":\"2\",\"a\":\"1\"}", "{\"a\":\"1\",\"b\":\"2\"}" },
    { "{\n"
      "    \"auth\": {\n"
      "        \"success\": true,\n"
      "        \"mxid\": \"@john.doe:example.com\",\n"
      "        \"profile\": {\n"
      "            \"display_name\": \"John Doe\",\n"
      "            \"three_pids\": [\n"
      "                {\n"
      "                    \"medium\": \"email\",\n"
      "                    \"address\": \"john.doe@example.org\"\n"
      "                },\n"
      "                {\n"
      "                    \"medium\": \"msisdn\",\n"
      "                    \"address\": \"123456789\"\n"
      "                }\n"
      "            ]\n"
      "        }\n"
      "    }\n"
      "}",
      "{\"auth\":{\"mxid\":\"@john.doe:example.com\",\"profile\":{\"display_name\":\"John "
      "Doe\",\"three_pids\":[{\"address\":\"john.doe@example.org\",\"medium\":\"email\"},{"
      "\"address\":\"123456789\",\"medium\":\"msisdn\"}]},\"success\":true}}" },
    { "{\n    \"a\": \"日本語\"\n}", "{\"a\":\"日本語\"}" },
    /* 日 is U+65E5, 本 is U+672C. */
    { "{\n    \"本\": 2,\n    \"日\": 1\n}", "{\"日\":1,\"本\":2}" },
    { "{\n    \"a\": \"\\u65E5\"\n}", "{\"a\":\"日\"}" },
    { "{\n    \"a\": null\n}", "{\"a\":null}" },
    { "{\n    \"a\": -0,\n    \"b\": 1e10\n}", "{\"a\":0,\"b\":10000000000}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      g_autofree char *canonical = canonical_of (examples[i].input);

      g_test_message ("%s", examples[i].input);
      g_assert_cmpstr (canonical, ==, examples[i].canonical);
    }
}

static void
test_values (void)
{
  const struct
  {
    const char *input;
    const char *canonical;
  } values[] = {
    { "[1, -2, true, false, null, \"x\", [], {}]", "[1,-2,true,false,null,\"x\",[],{}]" },
    { "9007199254740991", "9007199254740991" },
    { "-9007199254740991", "-9007199254740991" },
    { "2.0", "2" },
    { "-0.0", "0" },
    /* Key order is byte order: upper case before lower, ASCII first, a
     * prefix before what it prefixes. */
    { "{\"b\":1,\"B\":2,\"é\":3,\"a\":4,\"ab\":5,\"\":6}",
      "{\"\":6,\"B\":2,\"a\":4,\"ab\":5,\"b\":1,\"é\":3}" },
    /* U+1F600 (4 bytes) sorts after U+FFFD (3 bytes). */
    { "{\"😀\":1,\"\\ufffd\":2}", "{\"\xef\xbf\xbd\":2,\"😀\":1}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *canonical = canonical_of (values[i].input);

      g_test_message ("%s", values[i].input);
      g_assert_cmpstr (canonical, ==, values[i].canonical);
    }
}

/* The escapes of the grammar: only '"', '\' and the control characters,
 * the latter in lower-case hex where there is no short form. */
static void
test_escapes (void)
{
  g_autofree char *parsed =
      canonical_of ("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u000b\\u001F\\u007f\\u00e9\"}");
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_VALUE);
  g_autofree char *built = NULL;
  g_autoptr (GError) error = NULL;

  /* '/' and U+007F are not escaped, U+00E9 is raw UTF-8. */
  g_assert_cmpstr (parsed, ==,
                   "{\"a\":\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u000b\\u001f\x7f\xc3\xa9\"}");

  json_node_set_string (node, "\x01\x1f\x0e tab\there");
  built = handset_canonical_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (built, ==, "\"\\u0001\\u001f\\u000e tab\\there\"");
}

static void
test_rejected (void)
{
  const char *numbers[] = {
    "1.5",
    "-0.25",
    "1e300",
    "9007199254740992",
    "-9007199254740992",
    "9007199254740992.0",
    "{\"a\":[1,2,{\"b\":0.1}]}",
  };
  g_autoptr (JsonNode) bad_string = json_node_new (JSON_NODE_VALUE);
  g_autoptr (JsonNode) bad_key = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonObject) object = json_object_new ();
  g_autoptr (JsonNode) infinity = json_node_new (JSON_NODE_VALUE);
  g_autoptr (JsonNode) not_a_number = json_node_new (JSON_NODE_VALUE);

  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      g_autoptr (JsonNode) node = parse (numbers[i]);

      g_test_message ("%s", numbers[i]);
      assert_rejected (node);
    }

  /* Invalid UTF-8, in a value and in a key. */
  json_node_set_string (bad_string, "ok \xff not");
  assert_rejected (bad_string);
  json_object_set_int_member (object, "\xc3\x28", 1);
  json_node_set_object (bad_key, object);
  assert_rejected (bad_key);

  json_node_set_double (infinity, INFINITY);
  assert_rejected (infinity);
  json_node_set_double (not_a_number, NAN);
  assert_rejected (not_a_number);
}

static void
test_for_signing (void)
{
  const char *json = "{\"unsigned\":{\"age\":1},"
                     "\"b\":{\"signatures\":{\"x\":\"y\"},\"unsigned\":2},"
                     "\"signatures\":{\"@a:b\":{\"ed25519:D\":\"sig\"}},"
                     "\"a\":[{\"unsigned\":true}]}";
  g_autoptr (JsonNode) node = parse (json);
  JsonObject *object = json_node_get_object (node);
  g_autoptr (GError) error = NULL;
  g_autofree char *before = canonical_of (json);
  g_autofree char *signing = handset_canonical_json_for_signing (object, &error);
  g_autofree char *after = handset_canonical_json (node, &error);
  g_autoptr (JsonObject) plain = json_object_new ();
  g_autofree char *plain_signing = NULL;

  g_assert_no_error (error);
  /* Only the top level's are dropped. */
  g_assert_cmpstr (
      signing, ==,
      "{\"a\":[{\"unsigned\":true}],\"b\":{\"signatures\":{\"x\":\"y\"},\"unsigned\":2}}");

  /* The caller's object keeps them. */
  g_assert_true (json_object_has_member (object, "signatures"));
  g_assert_true (json_object_has_member (object, "unsigned"));
  g_assert_cmpuint (json_object_get_size (object), ==, 4);
  g_assert_cmpstr (after, ==, before);
  g_assert_nonnull (strstr (after, "\"signatures\":{\"@a:b\":{\"ed25519:D\":\"sig\"}}"));

  /* An object without them signs as itself. */
  json_object_set_string_member (plain, "k", "v");
  plain_signing = handset_canonical_json_for_signing (plain, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plain_signing, ==, "{\"k\":\"v\"}");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/canonical-json/spec-examples", test_spec_examples);
  g_test_add_func ("/canonical-json/values", test_values);
  g_test_add_func ("/canonical-json/escapes", test_escapes);
  g_test_add_func ("/canonical-json/rejected", test_rejected);
  g_test_add_func ("/canonical-json/for-signing", test_for_signing);

  return g_test_run ();
}
