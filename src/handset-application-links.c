/* handset-application-links.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `matrix:` and https://matrix.to links opened with Handset (from a
 * browser, the desktop or the command line): a call to a person or a room
 * asks first, a chat with someone who is no contact yet asks before it is
 * made, a contact is shown, and what Handset cannot do (room aliases,
 * events) is said in a toast.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-application-private.h"
#include "handset-matrix-uri.h"

typedef struct
{
  HandsetApplication *self;
  char *target;
  gboolean room;
} LinkCall;

static void
link_call_free (LinkCall *link)
{
  g_object_unref (link->self);
  g_free (link->target);
  g_free (link);
}

static void
link_call_closure_free (gpointer data, GClosure *closure)
{
  link_call_free (data);
}

static void
link_call_placed (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HandsetApplication) self = HANDSET_APPLICATION (user_data);
  g_autoptr (GError) error = NULL;
  g_autoptr (HandsetCall) call = NULL;

  call = handset_session_place_call_finish (HANDSET_SESSION (object), result, &error);
  if (call == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    handset_window_toast (handset_application_ensure_window (self), error->message);
}

static void
link_response (AdwMessageDialog *dialog, const char *response, LinkCall *link)
{
  HandsetApplication *self = link->self;

  if (self->session == NULL || g_str_equal (response, "cancel"))
    return;

  handset_session_place_call_async (self->session, link->target, g_str_equal (response, "video"),
                                    NULL, link_call_placed, g_object_ref (self));
}

/* A link never dials by itself: it asks first. */
static void
confirm_call (HandsetApplication *self, const char *target, gboolean room)
{
  HandsetWindow *window = handset_application_ensure_window (self);
  g_autofree char *name =
      room ? g_strdup (target) : handset_session_peer_name (self->session, target);
  g_autofree char *heading = g_strdup_printf (_ ("Call %s?"), name);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (window), heading, target);
  LinkCall *link = g_new0 (LinkCall, 1);

  link->self = g_object_ref (self);
  link->target = g_strdup (target);
  link->room = room;
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "video",
                                    _ ("_Video Call"), "call", _ ("_Call"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "call",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "call");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (link_response), link,
                         link_call_closure_free, 0);
  gtk_window_present (GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (dialog));
}

typedef struct
{
  HandsetApplication *app;
  char *user_id;
  guint tries;
} ShowContact;

static void
show_contact_free (gpointer data)
{
  ShowContact *show = data;

  g_object_unref (show->app);
  g_free (show->user_id);
  g_free (show);
}

static gboolean
show_contact_later (gpointer data)
{
  ShowContact *show = data;
  HandsetWindow *window = handset_application_main_window (show->app);

  if (window == NULL)
    return G_SOURCE_REMOVE;
  if (handset_window_show_contact (window, show->user_id))
    return G_SOURCE_REMOVE;
  if (++show->tries < 40)
    return G_SOURCE_CONTINUE;
  handset_window_toast (window, _ ("The chat is made, but the contact did not appear."));
  return G_SOURCE_REMOVE;
}

static void
chat_ready_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  ShowContact *show = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *room_id = handset_contact_list_ensure_direct_chat_finish (
      HANDSET_CONTACT_LIST (object), result, NULL, &error);
  HandsetWindow *window = handset_application_ensure_window (show->app);

  if (room_id == NULL)
    {
      g_autofree char *message =
          g_strdup_printf (_ ("The chat could not be opened: %s"), error->message);

      handset_window_toast (window, message);
      show_contact_free (show);
      return;
    }
  /* A new chat joins the contacts with the next sync: look a few times. */
  if (handset_window_show_contact (window, show->user_id))
    show_contact_free (show);
  else
    g_timeout_add_full (G_PRIORITY_DEFAULT, 250, show_contact_later, show, show_contact_free);
}

static void
chat_response (AdwMessageDialog *dialog, const char *response, HandsetApplication *self)
{
  const char *user_id = g_object_get_data (G_OBJECT (dialog), "user-id");
  ShowContact *show;

  if (g_strcmp0 (response, "chat") != 0 || self->session == NULL || user_id == NULL)
    return;
  show = g_new0 (ShowContact, 1);
  show->app = g_object_ref (self);
  show->user_id = g_strdup (user_id);
  handset_contact_list_ensure_direct_chat_async (handset_session_get_contacts (self->session),
                                                 handset_account_get_client (self->account),
                                                 show->user_id, NULL, NULL, chat_ready_cb, show);
}

/* A link to chat with someone who is no contact yet makes a chat (and
 * invites them) only once the person says so, as a call link asks. */
static void
confirm_chat (HandsetApplication *self, const char *user_id)
{
  HandsetWindow *window = handset_application_ensure_window (self);
  g_autofree char *name = handset_session_peer_name (self->session, user_id);
  g_autofree char *heading = g_strdup_printf (_ ("Start a chat with %s?"), name);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (window), heading, user_id);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "chat",
                                    _ ("_Start Chat"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "chat",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "chat");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "user-id", g_strdup (user_id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (chat_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* GApplication::open: each link, as handset_application_open_links() says. */
void
handset_application_open_links (GApplication *application,
                                GFile **files,
                                int n_files,
                                const char *hint)
{
  HandsetApplication *self = HANDSET_APPLICATION (application);

  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *text = g_file_get_uri (files[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (HandsetMatrixUri) uri = handset_matrix_uri_parse (text, &error);
      HandsetWindow *window = handset_application_ensure_window (self);

      gtk_window_present (GTK_WINDOW (window));
      if (uri == NULL)
        {
          handset_window_toast (window, error->message);
          continue;
        }
      if (self->session == NULL)
        {
          handset_window_toast (window, _ ("Log in first, then open the link again."));
          continue;
        }

      switch (handset_matrix_uri_get_kind (uri))
        {
          case HANDSET_MATRIX_URI_KIND_USER:
            if (handset_matrix_uri_get_action (uri) == HANDSET_MATRIX_URI_ACTION_CHAT)
              {
                /* A contact already: shown at once; else, asked first, once
                 * the chat is made. */
                if (!handset_window_show_contact (window, handset_matrix_uri_get_id (uri)))
                  confirm_chat (self, handset_matrix_uri_get_id (uri));
              }
            else
              confirm_call (self, handset_matrix_uri_get_id (uri), FALSE);
            break;
          case HANDSET_MATRIX_URI_KIND_ROOM_ID:
            confirm_call (self, handset_matrix_uri_get_id (uri), TRUE);
            break;
          case HANDSET_MATRIX_URI_KIND_ROOM_ALIAS:
          default:
            handset_window_toast (window,
                                  _ ("Handset calls people and rooms by ID, not room aliases."));
            break;
        }
    }
}
