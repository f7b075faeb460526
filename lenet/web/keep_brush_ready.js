// Keep the sketchpad ready to draw: Gradio's sketchpad starts with no tool selected ("select the
// draw tool to start") and its "Clear canvas" button deselects the brush again. Whenever that
// no-tool placeholder shows, select the brush, so a mouse or a finger can draw straight away.
() => {
    const sketchpad = document.getElementById("sketchpad");
    if (!sketchpad) return;
    const selectBrushIfIdle = () => {
        const idle = sketchpad.querySelector(".image-container .empty.wrap");
        const brush = sketchpad.querySelector('button[aria-label="Brush"]')
            || sketchpad.querySelector(".half-container button");
        if (idle && brush && !brush.classList.contains("highlight")) brush.click();
    };
    new MutationObserver(selectBrushIfIdle).observe(sketchpad, { childList: true, subtree: true });
    selectBrushIfIdle();
}
