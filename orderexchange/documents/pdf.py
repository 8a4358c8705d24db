"""The PDF order sheet (fpdf2): A4, one section per customer order, a Unicode font when there is
one."""

from __future__ import annotations

from pathlib import Path

from .language import country_name, format_date, format_money, format_number, labels
from .sheet import Sheet
from .text import clean, encodable


# --- PDF ---------------------------------------------------------------------------------------
#: Unicode TrueType fonts looked for when pdf_font = "auto" (regular, bold)
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
     "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf"),
    ("/Library/Fonts/Arial Unicode.ttf", "/Library/Fonts/Arial Unicode.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
)


class FontError(ValueError):
    """The configured PDF font cannot be used."""


def pdf_font(setting: str, base: Path | None = None) -> tuple[Path, Path] | None:
    """(regular, bold) TrueType files for the PDF, or None for the built-in Helvetica.
    A relative path is relative to `base` (the config file's folder)."""
    if setting == "core":
        return None
    if setting == "auto":
        for regular, bold in FONT_CANDIDATES:
            if Path(regular).is_file():
                return Path(regular), Path(bold) if Path(bold).is_file() else Path(regular)
        return None
    path = Path(setting).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    if not path.is_file():
        raise FontError(f"pdf_font {setting!r}: no such file")
    bold = path.with_name(path.stem + "-Bold" + path.suffix)
    return path, bold if bold.is_file() else path


def order_pdf(sht: Sheet, cancelled: bool = False) -> bytes:
    """An A4 order sheet: header, one section per customer order (delivery address, lines,
    totals), a summary, the reply address and page numbers."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    t = labels(sht.language)
    lang = sht.language
    font = pdf_font(sht.supplier.notification.pdf_font,
                    sht.config.path.parent if sht.config.path else None)
    cfg = sht.config

    class _Sheet(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(family, "", 8)
            self.cell(0, 5, txt(t["questions"].format(reply_to=sht.reply_to)), align="L")
            self.cell(0, 5, txt(t["page"].format(page=self.page_no(), pages="{nb}")),
                      align="R")

    pdf = _Sheet(format="A4", unit="mm")
    pdf.set_creation_date(sht.issued_at)
    pdf.set_title(f"{t['title']} {sht.label}")
    pdf.set_author(cfg.distributor.name)
    pdf.set_creator("orderexchange")
    if font is not None:
        family = "oxsans"
        pdf.add_font(family, "", str(font[0]))
        pdf.add_font(family, "B", str(font[1]))

        def txt(value: object) -> str:
            return clean(value)
    else:
        family = "helvetica"

        def txt(value: object) -> str:
            return encodable(clean(value), "latin-1")
    pdf.set_auto_page_break(True, margin=20)
    pdf.alias_nb_pages("{nb}")
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float = 10, bold: bool = False, h: float = 5) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.multi_cell(width, h, txt(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line(cfg.distributor.name, 16, bold=True, h=8)
    title = f"{t['title']} {sht.label}" + (f" — {t['cancelled']}" if cancelled else "")
    line(title, 13, bold=True, h=7)
    line(f"{t['date']}: {format_date(sht.issued_at, lang)}")
    line(f"{t['order_for']}: {sht.supplier.name} <{sht.supplier.email}>")
    if sht.customer_number:
        line(f"{t['our_customer_number']}: {sht.customer_number}")
    if sht.handover == "email":
        line(t["by_email"], bold=True)
    for o in sht.orders:
        pdf.ln(4)
        head = f"{t['customer_order']} {o.number} · {t['reference']} {o.reference}"
        if sht.handover == "shop" and o.shop_order_id:
            head += f" · {t['your_shop_order']} {o.shop_order_id}"
        line(head, 11, bold=True, h=6)
        if o.blind:
            line(t["blind_note"].format(distributor=cfg.distributor.name), 9, bold=True)
        address = [o.delivery.company, o.delivery.name,
                   o.delivery.street + (f", {o.delivery.street2}" if o.delivery.street2 else ""),
                   f"{o.delivery.postcode} {o.delivery.city}",
                   (o.delivery.state + ", " if o.delivery.state else "")
                   + country_name(o.delivery.country, lang)]
        line(f"{t['deliver_to']}:", 9, bold=True, h=4.5)
        line("\n".join(a for a in address if a.strip()), 10)
        if o.customer.phone:
            line(f"{t['phone']}: {o.customer.phone}", 9)
        if not o.blind:
            line(f"{t['customer']}: {o.customer.first_name} {o.customer.last_name} "
                 f"<{o.customer.email}>", 9)
        pdf.ln(2)
        pdf.set_font(family, "", 9)
        with pdf.table(col_widths=(10, 30, 74, 16, 20, 20),
                       text_align=("RIGHT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
                       line_height=5, first_row_as_headings=True) as table:
            table.row([txt(x) for x in (t["pos"], t["your_sku"], t["product"], t["qty"],
                                        t["unit_price"], t["line_net"])])
            for ln in o.lines:
                unit = "" if ln.unit_code == "C62" else f" {ln.unit or ln.unit_code}"
                table.row([txt(x) for x in (
                    ln.line_no, ln.supplier_sku, ln.name,
                    format_number(ln.quantity, lang) + unit,
                    format_money(ln.unit_price, lang), format_money(ln.net_total, lang))])
        for key, value in (("subtotal", o.subtotal), ("shipping", o.shipping), ("tax", o.tax),
                           ("total", o.total)):
            pdf.set_font(family, "B" if key == "total" else "", 9)
            pdf.cell(width - 30, 5, txt(t[key]), align="R")
            pdf.cell(30, 5, txt(f"{format_money(value, lang)} {o.currency}"), align="R",
                     new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if len(sht.orders) > 1:
        pdf.ln(4)
        line(f"{t['summary']}: {len(sht.orders)} {t['orders']}", 11, bold=True, h=6)
        for tot in sht.totals:
            line(f"{t['subtotal']} {format_money(tot.subtotal, lang)} · {t['shipping']} "
                 f"{format_money(tot.shipping, lang)} · {t['tax']} {format_money(tot.tax, lang)}"
                 f" · {t['total']} {format_money(tot.total, lang)} {tot.currency}", 10)
    return bytes(pdf.output())
