/* handset-portal-request.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HANDSET_PORTAL_BUS_NAME    "org.freedesktop.portal.Desktop"
#define HANDSET_PORTAL_OBJECT_PATH "/org/freedesktop/portal/desktop"

/* The Response codes of org.freedesktop.portal.Request. */
typedef enum
{
  HANDSET_PORTAL_RESPONSE_SUCCESS = 0,
  HANDSET_PORTAL_RESPONSE_CANCELLED = 1, /* the person said no, or closed the dialog */
  HANDSET_PORTAL_RESPONSE_OTHER = 2,     /* the portal gave up some other way */
} HandsetPortalResponse;

gboolean handset_portal_sandboxed (void);
char *handset_portal_new_token (void);
gboolean handset_portal_error_is_missing (const GError *error);
GError *
handset_portal_error (GError *error, const char *portal, const char *missing, const char *failed);

void handset_portal_request_async (GDBusConnection *connection,
                                   const char *iface,
                                   const char *method,
                                   GVariant *parameters,
                                   const char *token,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
GVariant *handset_portal_request_finish (GAsyncResult *result,
                                         HandsetPortalResponse *response,
                                         GError **error);

void handset_portal_open_pipewire_remote_async (GDBusConnection *connection,
                                                const char *iface,
                                                GVariant *parameters,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer user_data);
int handset_portal_open_pipewire_remote_finish (GAsyncResult *result, GError **error);

void handset_portal_task_return_fd (GTask *task, int fd);
int handset_portal_task_propagate_fd (GTask *task, GError **error);

G_END_DECLS
