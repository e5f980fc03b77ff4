/* handset-canonical-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Canonical JSON, as the Matrix appendix defines it: what is signed and
 * what signatures are checked against. A value it cannot encode exactly
 * (a fraction, an integer beyond ±(2^53−1), a string that is not UTF-8)
 * is an error, never an approximation.
 */

#define G_LOG_DOMAIN "Handset-Crypto"

#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>

#include "handset-canonical-json.h"

/* The integers an IEEE double holds exactly, as the spec requires. */
#define MAX_SAFE_INTEGER G_GINT64_CONSTANT (9007199254740991)

static gboolean write_node (GString *out, JsonNode *node, GError **error);

static gboolean
write_string (GString *out, const char *string, GError **error)
{
  if (!g_utf8_validate (string, -1, NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "A JSON string is not valid UTF-8");
      return FALSE;
    }

  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) string; *p != '\0'; p++)
    {
      switch (*p)
        {
          case '"':
            g_string_append (out, "\\\"");
            break;
          case '\\':
            g_string_append (out, "\\\\");
            break;
          case '\b':
            g_string_append (out, "\\b");
            break;
          case '\f':
            g_string_append (out, "\\f");
            break;
          case '\n':
            g_string_append (out, "\\n");
            break;
          case '\r':
            g_string_append (out, "\\r");
            break;
          case '\t':
            g_string_append (out, "\\t");
            break;
          default:
            /* Only the other control characters are escaped: '/' and all
             * of non-ASCII go as they are. */
            if (*p < 0x20)
              g_string_append_printf (out, "\\u%04x", *p);
            else
              g_string_append_c (out, (char) *p);
            break;
        }
    }
  g_string_append_c (out, '"');

  return TRUE;
}

static gboolean
write_integer (GString *out, gint64 value, GError **error)
{
  if (value > MAX_SAFE_INTEGER || value < -MAX_SAFE_INTEGER)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The JSON number %" G_GINT64_FORMAT " is out of the range of canonical JSON",
                   value);
      return FALSE;
    }

  g_string_append_printf (out, "%" G_GINT64_FORMAT, value);
  return TRUE;
}

static gboolean
write_value (GString *out, JsonNode *node, GError **error)
{
  GType type = json_node_get_value_type (node);

  if (type == G_TYPE_STRING)
    return write_string (out, json_node_get_string (node), error);

  if (type == G_TYPE_INT64)
    return write_integer (out, json_node_get_int (node), error);

  if (type == G_TYPE_BOOLEAN)
    {
      g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
      return TRUE;
    }

  if (type == G_TYPE_DOUBLE)
    {
      double value = json_node_get_double (node);

      /* 1e10 and 2.0 are integers written otherwise; 0.5 is not one. The
       * range check comes first so that the cast is defined. -0.0 becomes
       * 0, as the spec asks. */
      if (!isfinite (value) || value != floor (value) || value > (double) MAX_SAFE_INTEGER ||
          value < (double) -MAX_SAFE_INTEGER)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "Canonical JSON has no fractions or numbers this large");
          return FALSE;
        }
      return write_integer (out, (gint64) value, error);
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "JSON has no value of type %s",
               g_type_name (type));
  return FALSE;
}

static int
compare_member_names (gconstpointer a, gconstpointer b)
{
  /* strcmp() compares bytes as unsigned: for UTF-8 that is code point
   * order. */
  return strcmp (a, b);
}

/* With @for_signing, the top-level "signatures" and "unsigned" are left
 * out: they are not covered by a signature. */
static gboolean
write_object (GString *out, JsonObject *object, gboolean for_signing, GError **error)
{
  GList *names = g_list_sort (json_object_get_members (object), compare_member_names);
  gboolean first = TRUE;
  gboolean ok = TRUE;

  g_string_append_c (out, '{');
  for (GList *l = names; l != NULL && ok; l = l->next)
    {
      const char *name = l->data;

      if (for_signing && (strcmp (name, "signatures") == 0 || strcmp (name, "unsigned") == 0))
        continue;

      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;

      ok = write_string (out, name, error);
      if (ok)
        {
          g_string_append_c (out, ':');
          ok = write_node (out, json_object_get_member (object, name), error);
        }
    }
  g_string_append_c (out, '}');

  g_list_free (names);
  return ok;
}

static gboolean
write_array (GString *out, JsonArray *array, GError **error)
{
  guint length = json_array_get_length (array);

  g_string_append_c (out, '[');
  for (guint i = 0; i < length; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      if (!write_node (out, json_array_get_element (array, i), error))
        return FALSE;
    }
  g_string_append_c (out, ']');

  return TRUE;
}

static gboolean
write_node (GString *out, JsonNode *node, GError **error)
{
  switch (json_node_get_node_type (node))
    {
      case JSON_NODE_OBJECT:
        return write_object (out, json_node_get_object (node), FALSE, error);
      case JSON_NODE_ARRAY:
        return write_array (out, json_node_get_array (node), error);
      case JSON_NODE_VALUE:
        return write_value (out, node, error);
      case JSON_NODE_NULL:
        g_string_append (out, "null");
        return TRUE;
      default:
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Not a JSON value");
        return FALSE;
    }
}

/**
 * handset_canonical_json:
 *
 * Returns: (transfer full): the canonical form of @node, or %NULL with
 * %G_IO_ERROR_INVALID_DATA for a value canonical JSON cannot hold.
 */
char *
handset_canonical_json (JsonNode *node, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);

  g_return_val_if_fail (node != NULL, NULL);

  if (!write_node (out, node, error))
    return NULL;

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * handset_canonical_json_for_signing:
 *
 * Returns: (transfer full): the canonical form of @object without its
 * "signatures" and "unsigned", which @object keeps.
 */
char *
handset_canonical_json_for_signing (JsonObject *object, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);

  g_return_val_if_fail (object != NULL, NULL);

  if (!write_object (out, object, TRUE, error))
    return NULL;

  return g_string_free (g_steal_pointer (&out), FALSE);
}
