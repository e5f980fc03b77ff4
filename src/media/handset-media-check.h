/* handset-media-check.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HANDSET_MEDIA_ERROR (handset_media_error_quark ())

typedef enum
{
  HANDSET_MEDIA_ERROR_MISSING_ELEMENT,
} HandsetMediaError;

GQuark handset_media_error_quark (void);

gboolean handset_media_check_elements (gboolean video, GError **error);
gboolean handset_media_check_element_list (const char *const *elements, GError **error);

G_END_DECLS
