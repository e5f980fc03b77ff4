/* handset-background-portal.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The file every Flatpak sandbox has at its root. */
#define HANDSET_FLATPAK_INFO_PATH "/.flatpak-info"

#define HANDSET_TYPE_BACKGROUND_PORTAL (handset_background_portal_get_type ())
G_DECLARE_FINAL_TYPE (HandsetBackgroundPortal,
                      handset_background_portal,
                      HANDSET,
                      BACKGROUND_PORTAL,
                      GObject)

gboolean handset_background_portal_is_sandboxed (void);

HandsetBackgroundPortal *handset_background_portal_new (GDBusConnection *connection);
void handset_background_portal_request_async (HandsetBackgroundPortal *self,
                                              const char *parent_window,
                                              gboolean autostart,
                                              const char *const *commandline,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data);
gboolean handset_background_portal_request_finish (HandsetBackgroundPortal *self,
                                                   GAsyncResult *result,
                                                   GError **error);
gboolean handset_background_portal_get_allowed (HandsetBackgroundPortal *self);
gboolean handset_background_portal_get_autostart (HandsetBackgroundPortal *self);
const char *handset_background_portal_get_message (HandsetBackgroundPortal *self);

G_END_DECLS
