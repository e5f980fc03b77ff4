/* handset-matrix-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "Handset-Matrix"

#include "config.h"

#include <glib/gi18n.h>

#include "handset-matrix-error.h"

/* Written out: clang-format would space the dashes of G_DEFINE_QUARK's
 * name, and the spaces would end up in the domain's name. */
GQuark
handset_matrix_error_quark (void)
{
  return g_quark_from_static_string ("handset-matrix-error-quark");
}

static const struct
{
  const char *errcode;
  HandsetMatrixError code;
} errcodes[] = {
  { "M_FORBIDDEN", HANDSET_MATRIX_ERROR_FORBIDDEN },
  { "M_UNKNOWN_TOKEN", HANDSET_MATRIX_ERROR_UNKNOWN_TOKEN },
  { "M_MISSING_TOKEN", HANDSET_MATRIX_ERROR_MISSING_TOKEN },
  { "M_USER_DEACTIVATED", HANDSET_MATRIX_ERROR_USER_DEACTIVATED },
  { "M_LIMIT_EXCEEDED", HANDSET_MATRIX_ERROR_LIMIT_EXCEEDED },
  { "M_NOT_FOUND", HANDSET_MATRIX_ERROR_NOT_FOUND },
  { "M_USER_IN_USE", HANDSET_MATRIX_ERROR_USER_IN_USE },
  { "M_INVALID_USERNAME", HANDSET_MATRIX_ERROR_INVALID_USERNAME },
  { "M_BAD_JSON", HANDSET_MATRIX_ERROR_BAD_JSON },
  { "M_NOT_JSON", HANDSET_MATRIX_ERROR_BAD_JSON },
  { "M_UNRECOGNIZED", HANDSET_MATRIX_ERROR_UNRECOGNIZED },
  { "M_TOO_LARGE", HANDSET_MATRIX_ERROR_TOO_LARGE },
};

static const char *
message_for_code (HandsetMatrixError code)
{
  switch (code)
    {
      case HANDSET_MATRIX_ERROR_FORBIDDEN:
        return _ ("The homeserver refused this.");
      case HANDSET_MATRIX_ERROR_UNKNOWN_TOKEN:
        return _ ("This session has ended. Log in again.");
      case HANDSET_MATRIX_ERROR_MISSING_TOKEN:
        return _ ("You are not logged in. Log in first.");
      case HANDSET_MATRIX_ERROR_USER_DEACTIVATED:
        return _ ("This account has been deactivated.");
      case HANDSET_MATRIX_ERROR_LIMIT_EXCEEDED:
        return _ ("The homeserver is limiting how fast you can send. Try again in a moment.");
      case HANDSET_MATRIX_ERROR_NOT_FOUND:
        return _ ("The homeserver does not know what was asked for.");
      case HANDSET_MATRIX_ERROR_USER_IN_USE:
        return _ ("This user name is taken.");
      case HANDSET_MATRIX_ERROR_INVALID_USERNAME:
        return _ ("This user name is not allowed.");
      case HANDSET_MATRIX_ERROR_BAD_JSON:
        return _ ("The homeserver could not read a request from Handset.");
      case HANDSET_MATRIX_ERROR_UNRECOGNIZED:
        return _ ("The homeserver does not support this.");
      case HANDSET_MATRIX_ERROR_TOO_LARGE:
        return _ ("This is too large for the homeserver.");
      case HANDSET_MATRIX_ERROR_AUTH_REQUIRED:
        return _ ("The homeserver asks you to confirm who you are.");
      case HANDSET_MATRIX_ERROR_NETWORK:
      case HANDSET_MATRIX_ERROR_BAD_RESPONSE:
      case HANDSET_MATRIX_ERROR_NO_HOMESERVER:
      case HANDSET_MATRIX_ERROR_UNSUPPORTED:
      case HANDSET_MATRIX_ERROR_SSO_FAILED:
      case HANDSET_MATRIX_ERROR_UNKNOWN:
      default:
        return _ ("The homeserver reported an error.");
    }
}

/**
 * handset_matrix_error_new_from_response:
 * @status: the HTTP status
 * @errcode: (nullable): the Matrix `errcode`
 * @server_message: (nullable): the server's own `error` text
 *
 * Returns: (transfer full): an error in %HANDSET_MATRIX_ERROR whose message
 *   says what happened in words a person can act on, followed by the
 *   server's own words when it sent any
 */
GError *
handset_matrix_error_new_from_response (guint status,
                                        const char *errcode,
                                        const char *server_message)
{
  HandsetMatrixError code = HANDSET_MATRIX_ERROR_UNKNOWN;

  for (guint i = 0; errcode != NULL && i < G_N_ELEMENTS (errcodes); i++)
    {
      if (g_str_equal (errcode, errcodes[i].errcode))
        {
          code = errcodes[i].code;
          break;
        }
    }

  /* A 404 whose errcode says nothing more (Synapse answers a profile it
   * does not have with M_UNKNOWN): the thing is not there. */
  if (code == HANDSET_MATRIX_ERROR_UNKNOWN && errcode != NULL && status == 404)
    code = HANDSET_MATRIX_ERROR_NOT_FOUND;

  if (code == HANDSET_MATRIX_ERROR_UNKNOWN && errcode == NULL)
    {
      /* No Matrix error body at all: say what the HTTP status means. */
      if (status == 404)
        code = HANDSET_MATRIX_ERROR_UNRECOGNIZED;
      else if (status == 401)
        code = HANDSET_MATRIX_ERROR_AUTH_REQUIRED;
      else if (status == 429)
        code = HANDSET_MATRIX_ERROR_LIMIT_EXCEEDED;
      else if (status >= 500)
        return g_error_new (HANDSET_MATRIX_ERROR, HANDSET_MATRIX_ERROR_NETWORK,
                            _ ("The homeserver has a problem (HTTP %u). Try again later."), status);
    }

  if (server_message != NULL && *server_message != '\0')
    return g_error_new (HANDSET_MATRIX_ERROR, code, "%s (%s: %s)", message_for_code (code),
                        errcode ? errcode : "HTTP", server_message);

  return g_error_new (HANDSET_MATRIX_ERROR, code, "%s (%s %u)", message_for_code (code),
                      errcode ? errcode : "HTTP", status);
}
