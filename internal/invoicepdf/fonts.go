package invoicepdf

import _ "embed"

// The document's typeface: DejaVu Sans (Bitstream Vera license, see
// fonts/LICENSE). fpdf embeds only the glyphs a document uses, so a PDF
// carries a few tens of kilobytes of font, not these whole files.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// fontFamily is the name the fonts are registered under in a document.
const fontFamily = "dejavu"
