// Keep the sketchpad ready to draw: Gradio's sketchpad starts with no tool selected ("select the
// draw tool to start") and its "Clear canvas" button deselects the brush again and resets the zoom
// to 100 %, which on a laptop shrinks the white drawing area well inside its frame (a stroke begun
// where the area was before is lost). Whenever that no-tool placeholder shows, select the brush and
// fit the drawing area to its frame again, so a mouse or a finger can draw straight away.
// (Zooming can delay the cleared canvas's own answer past a late answer to the old drawing; the
// app's step after every answer, demo.settle_answer, shows the prompt on a cleared canvas then.)
() => {
    const sketchpad = document.getElementById("sketchpad");
    if (!sketchpad) return;
    // The zoom menu's "Fit to screen" is its one entry that is not a percentage (any language).
    const fitToFrame = () => {
        const zoom = sketchpad.querySelector(".zoom-number [role=button]");
        if (!zoom) return;
        zoom.click();
        const pickFit = (framesLeft) => {
            const fit = [...sketchpad.querySelectorAll(".zoom-controls li button")]
                .find((button) => !button.textContent.trim().endsWith("%"));
            if (fit) fit.click();
            else if (framesLeft > 0) requestAnimationFrame(() => pickFit(framesLeft - 1));
            else zoom.click(); // No such entry in this Gradio: close the menu again.
        };
        requestAnimationFrame(() => pickFit(30)); // The menu shows within a frame or a few.
    };
    const selectBrushIfIdle = () => {
        const idle = sketchpad.querySelector(".image-container .empty.wrap");
        const brush = sketchpad.querySelector('button[aria-label="Brush"]')
            || sketchpad.querySelector(".half-container button");
        if (idle && brush && !brush.classList.contains("highlight")) {
            brush.click();
            fitToFrame();
        }
    };
    new MutationObserver(selectBrushIfIdle).observe(sketchpad, { childList: true, subtree: true });
    selectBrushIfIdle();
}
