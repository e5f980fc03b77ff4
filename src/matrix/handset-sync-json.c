/* handset-sync-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * JSON read in one pass straight from a response's bytes into json-glib
 * nodes, for /sync answers of tens of megabytes: no copy of the text, no
 * separate pass for the nesting limit, every string copied once (into
 * the node that keeps it), and members that nobody reads never built
 * (handset_sync_json_parse()'s @skip). Strict RFC 8259; a string's
 * invalid UTF-8 is refused, and an escaped NUL or lone surrogate, which
 * no C string can hold, reads as U+FFFD.
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "handset-sync-json.h"

typedef struct
{
  const char *p;
  const char *end;
  const char *start;
  guint depth;
  guint max_depth;
  const char *const *skip;
  guint skip_depth;
  gboolean too_deep;
  GString *scratch;
} Reader;

static JsonNode *read_value (Reader *r);
static gboolean skip_value (Reader *r);

static inline void
skip_space (Reader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
    r->p++;
}

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (Reader *r, gunichar *out)
{
  gunichar value = 0;

  if (r->end - r->p < 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      int digit = hex_digit (r->p[i]);

      if (digit < 0)
        return FALSE;
      value = value * 16 + (gunichar) digit;
    }
  r->p += 4;
  *out = value;

  return TRUE;
}

/* Reads the string at r->p (its opening quote) into r->scratch. */
static gboolean
read_string (Reader *r)
{
  const char *run;

  g_string_truncate (r->scratch, 0);
  r->p++;
  while (TRUE)
    {
      run = r->p;
      while (r->p < r->end && *r->p != '"' && *r->p != '\\' && (guchar) *r->p >= 0x20)
        r->p++;
      if (r->p >= r->end || (guchar) *r->p < 0x20)
        return FALSE;
      if (!g_utf8_validate_len (run, r->p - run, NULL))
        return FALSE;
      g_string_append_len (r->scratch, run, r->p - run);
      if (*r->p == '"')
        {
          r->p++;
          return TRUE;
        }

      /* an escape */
      r->p++;
      if (r->p >= r->end)
        return FALSE;
      switch (*r->p++)
        {
          case '"':
            g_string_append_c (r->scratch, '"');
            break;
          case '\\':
            g_string_append_c (r->scratch, '\\');
            break;
          case '/':
            g_string_append_c (r->scratch, '/');
            break;
          case 'b':
            g_string_append_c (r->scratch, '\b');
            break;
          case 'f':
            g_string_append_c (r->scratch, '\f');
            break;
          case 'n':
            g_string_append_c (r->scratch, '\n');
            break;
          case 'r':
            g_string_append_c (r->scratch, '\r');
            break;
          case 't':
            g_string_append_c (r->scratch, '\t');
            break;
          case 'u':
            {
              gunichar c, low;

              if (!read_hex4 (r, &c))
                return FALSE;
              if (c >= 0xD800 && c <= 0xDBFF && r->end - r->p >= 6 && r->p[0] == '\\' &&
                  r->p[1] == 'u')
                {
                  const char *saved = r->p;

                  r->p += 2;
                  if (!read_hex4 (r, &low))
                    return FALSE;
                  if (low >= 0xDC00 && low <= 0xDFFF)
                    c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                  else
                    r->p = saved; /* the lone high surrogate is replaced below */
                }
              if (c == 0 || (c >= 0xD800 && c <= 0xDFFF))
                c = 0xFFFD;
              g_string_append_unichar (r->scratch, c);
            }
            break;
          default:
            return FALSE;
        }
    }
}

static gboolean
expect_word (Reader *r, const char *word)
{
  gsize length = strlen (word);

  if ((gsize) (r->end - r->p) < length || memcmp (r->p, word, length) != 0)
    return FALSE;
  r->p += length;

  return TRUE;
}

/* Checks the number's grammar and moves past it. */
static gboolean
scan_number (Reader *r, gboolean *integer)
{
  const char *p = r->p;

  *integer = TRUE;
  if (p < r->end && *p == '-')
    p++;
  if (p >= r->end || !g_ascii_isdigit (*p))
    return FALSE;
  if (*p == '0')
    p++;
  else
    while (p < r->end && g_ascii_isdigit (*p))
      p++;
  if (p < r->end && *p == '.')
    {
      *integer = FALSE;
      p++;
      if (p >= r->end || !g_ascii_isdigit (*p))
        return FALSE;
      while (p < r->end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < r->end && (*p == 'e' || *p == 'E'))
    {
      *integer = FALSE;
      p++;
      if (p < r->end && (*p == '+' || *p == '-'))
        p++;
      if (p >= r->end || !g_ascii_isdigit (*p))
        return FALSE;
      while (p < r->end && g_ascii_isdigit (*p))
        p++;
    }
  r->p = p;

  return TRUE;
}

static JsonNode *
read_number (Reader *r)
{
  const char *start = r->p;
  char buffer[64];
  g_autofree char *long_text = NULL;
  const char *text;
  gboolean integer;
  JsonNode *node;
  gsize length;

  if (!scan_number (r, &integer))
    return NULL;
  length = r->p - start;
  if (length < sizeof buffer)
    {
      memcpy (buffer, start, length);
      buffer[length] = '\0';
      text = buffer;
    }
  else
    {
      text = long_text = g_strndup (start, length);
    }

  node = json_node_new (JSON_NODE_VALUE);
  if (integer)
    {
      gint64 value;

      errno = 0;
      value = g_ascii_strtoll (text, NULL, 10);
      if (errno == 0)
        {
          json_node_set_int (node, value);
          return node;
        }
    }
  {
    double value = g_ascii_strtod (text, NULL);

    /* Beyond a double (31e311): no value to keep, and none JSON could
     * write back. */
    if (!isfinite (value))
      {
        json_node_unref (node);
        return NULL;
      }
    json_node_set_double (node, value);
  }

  return node;
}

static gboolean
enter (Reader *r)
{
  if (++r->depth > r->max_depth)
    {
      r->too_deep = TRUE;
      return FALSE;
    }
  return TRUE;
}

static gboolean
skipped (Reader *r, const char *name)
{
  if (r->depth > r->skip_depth)
    return FALSE;
  for (guint i = 0; r->skip != NULL && r->skip[i] != NULL; i++)
    if (strcmp (r->skip[i], name) == 0)
      return TRUE;
  return FALSE;
}

static JsonNode *
read_object (Reader *r)
{
  g_autoptr (JsonObject) object = NULL;
  JsonNode *node;

  if (!enter (r))
    return NULL;
  r->p++;
  object = json_object_new ();
  skip_space (r);
  if (r->p < r->end && *r->p == '}')
    {
      r->p++;
      goto done;
    }
  while (TRUE)
    {
      g_autofree char *long_name = NULL;
      char short_name[64];
      const char *name;
      JsonNode *value;

      skip_space (r);
      if (r->p >= r->end || *r->p != '"' || !read_string (r))
        return NULL;
      /* kept while the value is read into the scratch buffer */
      if (r->scratch->len < sizeof short_name)
        name = memcpy (short_name, r->scratch->str, r->scratch->len + 1);
      else
        name = long_name = g_strndup (r->scratch->str, r->scratch->len);
      skip_space (r);
      if (r->p >= r->end || *r->p != ':')
        return NULL;
      r->p++;
      skip_space (r);
      if (skipped (r, name))
        {
          if (!skip_value (r))
            return NULL;
        }
      else
        {
          if ((value = read_value (r)) == NULL)
            return NULL;
          json_object_set_member (object, name, value);
        }
      skip_space (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          continue;
        }
      if (r->p < r->end && *r->p == '}')
        {
          r->p++;
          break;
        }
      return NULL;
    }

done:
  r->depth--;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, g_steal_pointer (&object));

  return node;
}

static JsonNode *
read_array (Reader *r)
{
  g_autoptr (JsonArray) array = NULL;
  JsonNode *node;

  if (!enter (r))
    return NULL;
  r->p++;
  array = json_array_new ();
  skip_space (r);
  if (r->p < r->end && *r->p == ']')
    {
      r->p++;
      goto done;
    }
  while (TRUE)
    {
      JsonNode *value;

      skip_space (r);
      if ((value = read_value (r)) == NULL)
        return NULL;
      json_array_add_element (array, value);
      skip_space (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          continue;
        }
      if (r->p < r->end && *r->p == ']')
        {
          r->p++;
          break;
        }
      return NULL;
    }

done:
  r->depth--;
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, g_steal_pointer (&array));

  return node;
}

static JsonNode *
read_value (Reader *r)
{
  JsonNode *node;

  if (r->p >= r->end)
    return NULL;

  switch (*r->p)
    {
      case '{':
        return read_object (r);
      case '[':
        return read_array (r);
      case '"':
        if (!read_string (r))
          return NULL;
        node = json_node_new (JSON_NODE_VALUE);
        json_node_set_string (node, r->scratch->str);
        return node;
      case 't':
      case 'f':
        {
          gboolean value = *r->p == 't';

          if (!expect_word (r, value ? "true" : "false"))
            return NULL;
          node = json_node_new (JSON_NODE_VALUE);
          json_node_set_boolean (node, value);
          return node;
        }
      case 'n':
        return expect_word (r, "null") ? json_node_new (JSON_NODE_NULL) : NULL;
      default:
        return read_number (r);
    }
}

/* As read_value(), checked but not built. */
static gboolean
skip_value (Reader *r)
{
  gboolean integer;

  if (r->p >= r->end)
    return FALSE;

  switch (*r->p)
    {
      case '{':
      case '[':
        {
          char close = *r->p == '{' ? '}' : ']';
          gboolean object = close == '}';

          if (!enter (r))
            return FALSE;
          r->p++;
          skip_space (r);
          if (r->p < r->end && *r->p == close)
            {
              r->p++;
              r->depth--;
              return TRUE;
            }
          while (TRUE)
            {
              skip_space (r);
              if (object)
                {
                  if (r->p >= r->end || *r->p != '"' || !read_string (r))
                    return FALSE;
                  skip_space (r);
                  if (r->p >= r->end || *r->p != ':')
                    return FALSE;
                  r->p++;
                  skip_space (r);
                }
              if (!skip_value (r))
                return FALSE;
              skip_space (r);
              if (r->p < r->end && *r->p == ',')
                {
                  r->p++;
                  continue;
                }
              if (r->p < r->end && *r->p == close)
                {
                  r->p++;
                  r->depth--;
                  return TRUE;
                }
              return FALSE;
            }
        }
      case '"':
        return read_string (r);
      case 't':
        return expect_word (r, "true");
      case 'f':
        return expect_word (r, "false");
      case 'n':
        return expect_word (r, "null");
      default:
        return scan_number (r, &integer);
    }
}

/**
 * handset_sync_json_parse:
 * @data: JSON text, not necessarily valid nor NUL-terminated
 * @max_depth: how deep objects and arrays may nest
 * @skip: (nullable) (array zero-terminated=1): names of members whose
 *   values are checked but not built
 * @skip_depth: @skip applies to objects nested at most this deep (the
 *   root object is at depth 1), so that what is deeper (events) is whole
 * @too_deep: (out): set when the text was refused for its nesting
 * @error_offset: (out): where the text stopped being valid JSON
 *
 * Returns: (transfer full) (nullable): the root node, or %NULL when @data
 *   is not one JSON value nested at most @max_depth deep
 */
JsonNode *
handset_sync_json_parse (const char *data,
                         gsize length,
                         guint max_depth,
                         const char *const *skip,
                         guint skip_depth,
                         gboolean *too_deep,
                         gsize *error_offset)
{
  g_autoptr (GString) scratch = g_string_sized_new (256);
  Reader r = { data, data + length, data, 0, max_depth, skip, skip_depth, FALSE, scratch };
  JsonNode *root;

  *too_deep = FALSE;
  *error_offset = 0;
  skip_space (&r);
  root = read_value (&r);
  if (root != NULL)
    {
      skip_space (&r);
      if (r.p != r.end)
        g_clear_pointer (&root, json_node_unref);
    }
  if (root == NULL)
    {
      *too_deep = r.too_deep;
      *error_offset = (gsize) (r.p - r.start);
    }

  return root;
}
