/* handset-login-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A Matrix ID (its homeserver found through .well-known) or a homeserver
 * given outright, a password or the browser; errors in place.
 */

#define G_LOG_DOMAIN "Handset-UI"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-login-page.h"

struct _HandsetLoginPage
{
  GtkBox parent_instance;

  AdwEntryRow *user_row;
  AdwPasswordEntryRow *password_row;
  AdwEntryRow *homeserver_row;
  GtkLabel *error_label;
  GtkButton *login_button;
  GtkButton *sso_button;
  GtkButton *unlock_button;
  GtkSpinner *spinner;

  HandsetAccount *account;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (HandsetLoginPage, handset_login_page, GTK_TYPE_BOX)

static void
set_busy (HandsetLoginPage *self, gboolean busy)
{
  /* The fields stay as they are: making the focused one insensitive
   * would take the keyboard focus away under the person's hands. */
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sso_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->unlock_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->login_button),
                            !busy && *gtk_editable_get_text (GTK_EDITABLE (self->user_row)) &&
                                *gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
}

static void
show_error (HandsetLoginPage *self, const char *message)
{
  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
on_changed (HandsetLoginPage *self)
{
  set_busy (self, gtk_spinner_get_spinning (self->spinner));
}

static void
login_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  HandsetLoginPage *self = HANDSET_LOGIN_PAGE (user_data);
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (g_async_result_is_tagged (result, handset_account_login_sso_async))
    ok = handset_account_login_sso_finish (HANDSET_ACCOUNT (object), result, &error);
  else
    ok = handset_account_login_password_finish (HANDSET_ACCOUNT (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  set_busy (self, FALSE);
  show_error (self, ok ? NULL : error->message);
  if (ok)
    gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  g_object_unref (self);
}

static void
on_activate (HandsetLoginPage *self)
{
  const char *user = gtk_editable_get_text (GTK_EDITABLE (self->user_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  const char *homeserver = gtk_editable_get_text (GTK_EDITABLE (self->homeserver_row));

  if (self->account == NULL || *user == '\0' || *password == '\0' ||
      gtk_spinner_get_spinning (self->spinner))
    return;

  show_error (self, NULL);
  set_busy (self, TRUE);
  handset_account_login_password_async (self->account, *homeserver ? homeserver : NULL, user,
                                        password, self->cancellable, login_done,
                                        g_object_ref (self));
}

static void
on_sso (HandsetLoginPage *self)
{
  const char *user = gtk_editable_get_text (GTK_EDITABLE (self->user_row));
  const char *homeserver = gtk_editable_get_text (GTK_EDITABLE (self->homeserver_row));

  if (self->account == NULL)
    return;
  if (*homeserver == '\0' && *user == '\0')
    {
      show_error (self, _ ("Enter your Matrix ID or your homeserver first."));
      return;
    }

  show_error (self, NULL);
  set_busy (self, TRUE);
  handset_account_login_sso_async (self->account, *homeserver ? homeserver : user, NULL, NULL,
                                   self->cancellable, login_done, g_object_ref (self));
}

static void
unlock_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  HandsetLoginPage *self = HANDSET_LOGIN_PAGE (user_data);
  g_autoptr (GError) error = NULL;

  if (!handset_account_unlock_keyring_finish (HANDSET_ACCOUNT (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      set_busy (self, FALSE);
      show_error (self, error->message);
    }
  else if (error == NULL)
    set_busy (self, FALSE);
  g_object_unref (self);
}

/* The login is in a locked keyring: unlocking it (the desktop asks for
 * its password) restores it, no password for Matrix needed. */
static void
on_unlock (HandsetLoginPage *self)
{
  if (self->account == NULL || gtk_spinner_get_spinning (self->spinner))
    return;

  show_error (self, NULL);
  set_busy (self, TRUE);
  handset_account_unlock_keyring_async (self->account, self->cancellable, unlock_done,
                                        g_object_ref (self));
}

static void
update_unlock (HandsetLoginPage *self)
{
  gtk_widget_set_visible (
      GTK_WIDGET (self->unlock_button),
      self->account != NULL && handset_account_get_keyring_locked (self->account) &&
          handset_account_get_state (self->account) == HANDSET_ACCOUNT_STATE_NEEDS_LOGIN);
}

static void
handset_login_page_dispose (GObject *object)
{
  HandsetLoginPage *self = HANDSET_LOGIN_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (handset_login_page_parent_class)->dispose (object);
}

static void
handset_login_page_class_init (HandsetLoginPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = handset_login_page_dispose;

  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/handset/Handset/ui/handset-login-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HandsetLoginPage, user_row);
  gtk_widget_class_bind_template_child (widget_class, HandsetLoginPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, HandsetLoginPage, homeserver_row);
  gtk_widget_class_bind_template_child (widget_class, HandsetLoginPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, HandsetLoginPage, login_button);
  gtk_widget_class_bind_template_child (widget_class, HandsetLoginPage, sso_button);
  gtk_widget_class_bind_template_child (widget_class, HandsetLoginPage, unlock_button);
  gtk_widget_class_bind_template_child (widget_class, HandsetLoginPage, spinner);
  gtk_widget_class_bind_template_callback (widget_class, on_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_sso);
  gtk_widget_class_bind_template_callback (widget_class, on_unlock);
}

static void
handset_login_page_init (HandsetLoginPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

/**
 * handset_login_page_set_account:
 *
 * The account the form logs in; a Matrix ID it already knows is filled in.
 */
void
handset_login_page_set_account (HandsetLoginPage *self, HandsetAccount *account)
{
  g_return_if_fail (HANDSET_IS_LOGIN_PAGE (self));

  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_set_object (&self->account, account);
  if (account != NULL && handset_account_get_user_id (account) != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->user_row), handset_account_get_user_id (account));
  show_error (self, account ? handset_account_get_message (account) : NULL);
  if (account != NULL)
    {
      g_signal_connect_swapped (account, "notify::keyring-locked", G_CALLBACK (update_unlock),
                                self);
      g_signal_connect_swapped (account, "notify::state", G_CALLBACK (update_unlock), self);
    }
  update_unlock (self);
}

/**
 * handset_login_page_fill:
 * @homeserver: (nullable): the homeserver field
 *
 * Types into the form and submits it, as a person would.
 */
void
handset_login_page_fill (HandsetLoginPage *self,
                         const char *user,
                         const char *password,
                         const char *homeserver)
{
  g_return_if_fail (HANDSET_IS_LOGIN_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->user_row), user);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), password);
  gtk_editable_set_text (GTK_EDITABLE (self->homeserver_row), homeserver ? homeserver : "");
  g_signal_emit_by_name (self->login_button, "clicked");
}

/**
 * handset_login_page_get_error:
 *
 * Returns: (nullable): the error shown, if any
 */
const char *
handset_login_page_get_error (HandsetLoginPage *self)
{
  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_text (self->error_label);
}
