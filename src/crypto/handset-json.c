/* handset-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading JSON that others wrote: what it may not be before it reaches
 * the parser (a hostile server could otherwise nest arrays deep enough to
 * overflow the stack of json-glib's recursive parser), and members read
 * without trusting their type.
 */

#include "config.h"

#include "handset-json.h"

/**
 * handset_json_depth_ok:
 * @data: JSON text, not necessarily valid
 *
 * Returns: whether no object or array in @data is nested deeper than
 *   @max_depth (brackets inside strings do not count)
 */
gboolean
handset_json_depth_ok (const char *data, gsize length, guint max_depth)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > max_depth)
            return FALSE;
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }

  return TRUE;
}

const char *
handset_json_get_string (JsonObject *object, const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

JsonObject *
handset_json_get_object (JsonObject *object, const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/**
 * handset_json_get_int:
 * @value: (out): the integer, when there is one
 */
gboolean
handset_json_get_int (JsonObject *object, const char *member, gint64 *value)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (node);

  return TRUE;
}
