//! The recovery sheet: a printable page with the recovery key as text and as a QR code, the
//! date, where the vault lives and how to restore. No health data goes on it: it is meant for
//! a drawer or a safe, where someone else may read it.

use crate::crypto::RecoveryKey;
use crate::qr::QrMatrix;

use crate::markup::escape as esc;

/// The page, self-contained HTML (inline SVG, no script, no external asset).
pub fn recovery_sheet(key: &RecoveryKey, vault_location: &str, date: chrono::NaiveDate) -> String {
    let text = key.display_text();
    let qr = QrMatrix::encode(&text, 10)
        .map(|m| m.to_svg())
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Carnet — feuille de récupération / recovery sheet</title>\
<style>body{{font-family:system-ui,Arial,sans-serif;margin:2rem;max-width:44rem;color:#111}}\
.key{{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1.6rem;letter-spacing:.08em;border:2px solid #111;padding:.8rem 1rem;display:inline-block}}\
.qr svg{{width:12rem;height:12rem}}h2{{font-size:1.05rem;margin-top:1.4rem}}li{{margin:.3rem 0}}.en{{color:#444}}</style></head><body>\
<h1>Carnet — feuille de récupération</h1><p class=\"en\">Carnet recovery sheet</p>\
<p>Établie le / made on <strong>{date}</strong></p>\
<p>Carnet se trouve à / the vault lives at: <code>{location}</code></p>\
<h2>Clé de récupération / Recovery key</h2><p class=\"key\">{key}</p><div class=\"qr\">{qr}</div>\
<h2>Pour restaurer / To restore</h2><ol>\
<li>Installez Carnet sur le nouvel appareil. <span class=\"en\">Install Carnet on the new device.</span></li>\
<li>Choisissez « Restaurer une sauvegarde » et la copie de sauvegarde (.carnet-backup) conservée sur une clé USB, un autre téléphone ou votre espace en ligne. \
<span class=\"en\">Choose “Restore a backup” and pick the backup file kept on a USB key, another phone or your own cloud drive.</span></li>\
<li>Saisissez ou scannez la clé ci-dessus, puis choisissez un nouveau mot de passe. <span class=\"en\">Type or scan the key above, then choose a new passphrase.</span></li>\
</ol><p>En ligne de commande / from a terminal: <code>carnet restore BACKUP --into NEW.carnet</code> (la clé est demandée / the key is asked for).</p>\
<p><strong>Gardez cette feuille en lieu sûr : elle ouvre toutes vos données de santé.</strong> <span class=\"en\">Keep this sheet safe: it opens all your health records.</span></p>\
</body></html>",
        date = date.format("%d/%m/%Y"),
        location = esc(vault_location),
        key = esc(&text),
    )
}
