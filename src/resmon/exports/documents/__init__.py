"""Official documents: one model (``model.Document``) rendered twice, as Word (``docx.render_docx``)
and as PDF (``pdf.render_pdf``), in the party document format of Hướng dẫn 36-HD/VPTW."""
