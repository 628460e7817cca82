package console

// authLang is the strings of a forgotten password and of recovery codes
// (reset.go, settings.go's security page).
type authLang struct {
	Forgot, ForgotTitle, ForgotIntro, ForgotSend, ForgotSent, BackToSignIn string
	ResetTitle, ResetIntro, ResetSave, ResetGone, ResetDone, ResetAgain    string
	CodeOrRecovery                                                         string
	RecoveryTitle, RecoveryIntro, RecoveryLeft, RecoveryNone, RecoveryNew  string
	RecoveryShown, RecoveryShownHint, RecoveryAudit                        string
}

// spanishAuth and englishAuth are authLang in each language.
var (
	spanishAuth = authLang{
		Forgot: "¿Olvidaste tu contraseña?", ForgotTitle: "Elegir una nueva contraseña",
		ForgotIntro:  "Escribe el correo con el que entras a la consola. Si pertenece a un usuario, te enviaremos un enlace para elegir una nueva contraseña.",
		ForgotSend:   "Enviar el enlace",
		ForgotSent:   "Si ese correo pertenece a un usuario de la consola, en unos minutos le llegará un enlace para elegir una nueva contraseña. El enlace sirve una vez y por una hora.",
		BackToSignIn: "Volver a iniciar sesión",
		ResetTitle:   "Nueva contraseña", ResetIntro: "Elige una nueva contraseña para %s. Al guardarla se cerrarán todas tus sesiones.",
		ResetSave: "Guardar la contraseña",
		ResetGone: "Este enlace ya se usó, fue reemplazado por uno más nuevo o venció. Pide otro desde la página para iniciar sesión.",
		ResetDone: "Tu contraseña cambió y se cerraron todas tus sesiones. Inicia sesión con la nueva.", ResetAgain: "Pedir otro enlace",
		CodeOrRecovery: "Solo si activaste la verificación en dos pasos: el código de tu app o uno de tus códigos de recuperación.",
		RecoveryTitle:  "Códigos de recuperación",
		RecoveryIntro:  "Si pierdes el teléfono, cada código de recuperación sirve una vez en lugar del código de verificación.",
		RecoveryLeft:   "Te quedan %d códigos sin usar.", RecoveryNone: "No te quedan códigos sin usar: crea nuevos.",
		RecoveryNew:       "Crear códigos nuevos (los anteriores dejan de servir)",
		RecoveryShown:     "Tus códigos de recuperación",
		RecoveryShownHint: "Guárdalos ahora en un lugar seguro: no volverán a mostrarse. Cada uno sirve una sola vez.",
		RecoveryAudit:     "Usar un código queda registrado en el historial.",
	}
	englishAuth = authLang{
		Forgot: "Forgot your password?", ForgotTitle: "Choose a new password",
		ForgotIntro:  "Type the email you sign in to the console with. If it belongs to a user, we will send a link to choose a new password.",
		ForgotSend:   "Send the link",
		ForgotSent:   "If that email belongs to a console user, a link to choose a new password will reach it in a few minutes. The link works once, for one hour.",
		BackToSignIn: "Back to sign in",
		ResetTitle:   "New password", ResetIntro: "Choose a new password for %s. Saving it signs you out everywhere.",
		ResetSave: "Save the password",
		ResetGone: "This link was already used, replaced by a newer one, or has expired. Ask for another from the sign-in page.",
		ResetDone: "Your password changed and all your sessions ended. Sign in with the new one.", ResetAgain: "Ask for another link",
		CodeOrRecovery: "Only if you turned on two-step verification: your app's code or one of your recovery codes.",
		RecoveryTitle:  "Recovery codes",
		RecoveryIntro:  "If you lose your phone, each recovery code works once in place of the verification code.",
		RecoveryLeft:   "You have %d unused codes left.", RecoveryNone: "You have no unused codes left: make new ones.",
		RecoveryNew:       "Make new codes (the old ones stop working)",
		RecoveryShown:     "Your recovery codes",
		RecoveryShownHint: "Keep them somewhere safe now: they will not be shown again. Each works once.",
		RecoveryAudit:     "Using a code is recorded in the audit log.",
	}
)
