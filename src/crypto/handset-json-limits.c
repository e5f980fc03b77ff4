/* handset-json-limits.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a homeserver's JSON may not be before it reaches the parser: a
 * hostile server could otherwise nest arrays deep enough to overflow the
 * stack of json-glib's recursive parser.
 */

#include "config.h"

#include "handset-json-limits.h"

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
